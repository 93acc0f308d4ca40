#!/usr/bin/env bash
# Writes the sha256 lines of .github/pins.env (docs/supply-chain.md): for each pinned version, downloads the release
# for linux amd64 and arm64, checks it against the checksum file its publisher serves beside it, and pins
#   - terraform, tofu: the sha256 of the executable inside the checked zip (scripts/pins.sh verify-engine reads it);
#   - tailscale: the sha256 of the checked tarball (tailscale/github-action's sha256sum input).
# TERRAFORM_VERSION, TOFU_VERSION, TAILSCALE_VERSION in the environment change a version first (empty: keep it).
# Run by .github/workflows/refresh-pins.yml, whose pull request is the review; it needs curl, unzip, sha256sum.
# The download bases are variables so that a test can serve stand-in releases from loopback.
set -euo pipefail

pins_file="${PINS_FILE:-$(dirname "$0")/../.github/pins.env}"
hashicorp="${HASHICORP_RELEASES_URL:-https://releases.hashicorp.com}"
opentofu="${OPENTOFU_RELEASES_URL:-https://github.com/opentofu/opentofu/releases/download}"
tailscale_pkgs="${TAILSCALE_PKGS_URL:-https://pkgs.tailscale.com/stable}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Every change goes to a copy that replaces the file only once all of them are checked: a failure pins nothing.
draft="$work/pins.env"
cp "$pins_file" "$draft"

# HTTPS only, but where a test points a base URL at a stand-in server on loopback.
protocols='=https'
[ -z "${HASHICORP_RELEASES_URL:-}${OPENTOFU_RELEASES_URL:-}${TAILSCALE_PKGS_URL:-}" ] || protocols='=https,http'

fetch() {
  curl --fail --silent --show-error --location --proto "$protocols" --proto-redir "$protocols" --retry 3 --output "$2" "$1" ||
    { echo "could not download $1" >&2; exit 1; }
}

set_pin() {
  local key="$1" value="$2"
  grep -q "^${key}=" "$draft" || { echo "${pins_file} has no ${key}= line" >&2; exit 1; }
  sed -i "s|^${key}=.*|${key}=${value}|" "$draft"
}

# The sha256 the publisher lists for a file, from a SHA256SUMS-style list ("<sha256>  <name>").
listed_sha256() {
  awk -v name="$2" '$2 == name || $2 == "*" name { print $1 }' "$1"
}

check_sha256() {
  local file="$1" expected="$2" actual
  [[ "$expected" =~ ^[0-9a-f]{64}$ ]] || { echo "no sha256 published for $(basename "$file")" >&2; exit 1; }
  actual="$(sha256sum "$file" | cut -d ' ' -f 1)"
  [ "$actual" = "$expected" ] || { echo "$(basename "$file"): sha256 ${actual}, published ${expected}" >&2; exit 1; }
}

# An engine release: zip + SHA256SUMS; pins the executable inside the checked zip.
pin_engine() {
  local name="$1" key="$2" base="$3" version="$4"
  local sums="$work/${name}_${version}_SHA256SUMS"
  fetch "${base}/${name}_${version}_SHA256SUMS" "$sums"
  for arch in amd64 arm64; do
    local zip="${name}_${version}_linux_${arch}.zip"
    fetch "${base}/${zip}" "$work/${zip}"
    check_sha256 "$work/${zip}" "$(listed_sha256 "$sums" "$zip")"
    unzip -p "$work/${zip}" "$name" >"$work/${name}-${arch}"
    [ -s "$work/${name}-${arch}" ] || { echo "${zip} holds no ${name} executable" >&2; exit 1; }
    local sha runner_arch
    sha="$(sha256sum "$work/${name}-${arch}" | cut -d ' ' -f 1)"
    runner_arch=$([ "$arch" = amd64 ] && echo X64 || echo ARM64)
    set_pin "${key}_SHA256_LINUX_${runner_arch}" "$sha"
    echo "${name} ${version} linux_${arch}: ${zip} matches SHA256SUMS; executable sha256 ${sha}"
  done
}

pin_tailscale() {
  local version="$1"
  for arch in amd64 arm64; do
    local tgz="tailscale_${version}_${arch}.tgz" sha runner_arch
    fetch "${tailscale_pkgs}/${tgz}" "$work/${tgz}"
    fetch "${tailscale_pkgs}/${tgz}.sha256" "$work/${tgz}.sha256"
    sha="$(tr -d '[:space:]' <"$work/${tgz}.sha256")"
    check_sha256 "$work/${tgz}" "$sha"
    runner_arch=$([ "$arch" = amd64 ] && echo X64 || echo ARM64)
    set_pin "TAILSCALE_SHA256_LINUX_${runner_arch}" "$sha"
    echo "tailscale ${version} ${arch}: ${tgz} matches its published .sha256 (${sha})"
  done
}

for key in TERRAFORM_VERSION TOFU_VERSION TAILSCALE_VERSION; do
  [ -z "${!key:-}" ] || set_pin "$key" "${!key}"
done
# scripts/pins.sh checks the versions' shapes (and that Tailscale's is a stable release) before anything is fetched.
eval "$(PINS_FILE="$draft" "$(dirname "$0")/pins.sh" versions | sed -E 's/^([a-z]+)-version=(.*)$/\1_version=\2/')"
# shellcheck disable=SC2154 # set by the eval above
pin_engine terraform TERRAFORM "${hashicorp}/terraform/${terraform_version}" "$terraform_version"
# shellcheck disable=SC2154
pin_engine tofu TOFU "${opentofu}/v${tofu_version}" "$tofu_version"
# shellcheck disable=SC2154
pin_tailscale "$tailscale_version"
cp "$draft" "$pins_file"
echo "wrote ${pins_file}"
