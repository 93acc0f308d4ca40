#!/usr/bin/env bash
# Reads .github/pins.env for the workflows (docs/supply-chain.md):
#   pins.sh versions               terraform-version=, tofu-version=, tailscale-version= (for $GITHUB_OUTPUT)
#   pins.sh aws                    the same and tailscale-sha256= for this runner; fails closed while it is not pinned
#   pins.sh verify-engine BINARY   checks the sha256 of the terraform or tofu on PATH against the pin
# A job that holds AWS credentials runs `aws` and `verify-engine` before it gets them. The file is read, never sourced.
set -euo pipefail

pins_file="${PINS_FILE:-$(dirname "$0")/../.github/pins.env}"
refresh_hint="run the 'tslab refresh pins' workflow (.github/workflows/refresh-pins.yml) and merge its pull request"

fail() {
  # The ::error:: form shows in the job's annotations; it reads as plain text anywhere else.
  echo "::error title=tslab pins::$1" >&2
  exit 1
}

pin() {
  local value
  value="$(sed -n "s/^$1=//p" "$pins_file" | tail -n 1)"
  printf '%s' "$value"
}

# RUNNER_OS / RUNNER_ARCH as GitHub sets them (Linux, X64 or ARM64): the key suffix of a binary's pin.
platform() {
  local os="${RUNNER_OS:-}" arch="${RUNNER_ARCH:-}"
  [ "$os" = Linux ] || fail "RUNNER_OS is '${os}': tslab pins binaries for Linux runners only"
  case "$arch" in
    X64 | ARM64) printf 'LINUX_%s' "$arch" ;;
    *) fail "RUNNER_ARCH is '${arch}': tslab pins binaries for X64 and ARM64 runners only" ;;
  esac
}

checked_version() {
  local name="$1" value
  value="$(pin "$name")"
  [[ "$value" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "${name} in ${pins_file} is '${value}': it must be a version such as 1.2.3"
  printf '%s' "$value"
}

checked_sha256() {
  local name="$1" value
  value="$(pin "$name")"
  [ -n "$value" ] || fail "${name} in ${pins_file} is empty, so this binary cannot be verified: ${refresh_hint}"
  [[ "$value" =~ ^[0-9a-f]{64}$ ]] || fail "${name} in ${pins_file} is '${value}': it must be 64 lowercase hex digits"
  printf '%s' "$value"
}

versions() {
  # Each value is assigned before it is printed: a failed check inside echo's arguments would not stop the script.
  local terraform tofu tailscale minor
  terraform="$(checked_version TERRAFORM_VERSION)"
  tofu="$(checked_version TOFU_VERSION)"
  tailscale="$(checked_version TAILSCALE_VERSION)"
  # pkgs.tailscale.com serves odd minor versions from its unstable track only.
  minor="${tailscale#*.}"
  minor="${minor%%.*}"
  [ $((minor % 2)) -eq 0 ] || fail "TAILSCALE_VERSION ${tailscale} is an unstable release (odd minor version)"
  printf 'terraform-version=%s\ntofu-version=%s\ntailscale-version=%s\n' "$terraform" "$tofu" "$tailscale"
}

[ -f "$pins_file" ] || fail "${pins_file} does not exist"
case "${1:-}" in
  versions) versions ;;
  aws)
    out="$(versions)"
    suffix="$(platform)"
    sha="$(checked_sha256 "TAILSCALE_SHA256_${suffix}")"
    printf '%s\ntailscale-sha256=%s\n' "$out" "$sha"
    ;;
  verify-engine)
    binary="${2:-}"
    case "$binary" in
      terraform | tofu) ;;
      *) fail "verify-engine takes terraform or tofu, not '${binary}'" ;;
    esac
    suffix="$(platform)"
    key="$(tr '[:lower:]' '[:upper:]' <<<"$binary")_SHA256_${suffix}"
    expected="$(checked_sha256 "$key")"
    path="$(command -v "$binary")" || fail "${binary} is not on PATH: set it up before verifying it"
    actual="$(sha256sum "$path" | cut -d ' ' -f 1)"
    [ "$actual" = "$expected" ] || fail "${path} has sha256 ${actual}, but ${key} pins ${expected}: not the binary tslab pinned"
    echo "${binary} at ${path} matches ${key} (${actual})"
    ;;
  *) fail "usage: pins.sh versions | aws | verify-engine terraform|tofu" ;;
esac
