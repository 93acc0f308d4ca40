#!/usr/bin/env bash
# Regenerates infra/providers/.terraform.lock.hcl: `terraform providers lock` over infra/providers/versions.tf.json
# for linux_amd64 (runners), linux_arm64 and darwin_arm64 (CLI users), and the same with `tofu` when tofu is on PATH,
# merged into the one file (docs/supply-chain.md). Plain bash, no npm: it runs in a job that can push.
#
#   scripts/lock-providers.sh [--dir DIR] [extra providers-lock arguments...]
#
# --dir: the directory holding versions.tf.json and receiving .terraform.lock.hcl (default infra/providers).
# Extra arguments go to every `providers lock`, e.g. -fs-mirror=DIR to lock offline from a filesystem mirror.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/infra/providers"
if [[ "${1:-}" == "--dir" ]]; then
  [[ $# -ge 2 ]] || { echo "lock-providers: --dir needs a directory" >&2; exit 2; }
  dir="$(cd "$2" && pwd)"
  shift 2
fi
requirements="$dir/versions.tf.json"
out="$dir/.terraform.lock.hcl"
[[ -f "$requirements" ]] || { echo "lock-providers: $requirements does not exist" >&2; exit 2; }

platforms=(-platform=linux_amd64 -platform=linux_arm64 -platform=darwin_arm64)
engines=()
for engine in terraform tofu; do
  if command -v "$engine" >/dev/null 2>&1; then
    engines+=("$engine")
  elif [[ "$engine" == terraform ]]; then
    echo "lock-providers: terraform is not on PATH" >&2
    exit 2
  else
    echo "lock-providers: tofu is not on PATH: no registry.opentofu.org entries (runs with engine tofu will stop and say so)"
  fi
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Each engine locks in a directory of its own: neither ever reads the other's entries.
for engine in "${engines[@]}"; do
  mkdir "$work/$engine"
  cp "$requirements" "$work/$engine/versions.tf.json"
  echo "lock-providers: $engine providers lock ${platforms[*]} $* (in a copy of $requirements)"
  (cd "$work/$engine" && "$engine" providers lock "${platforms[@]}" "$@")
  if [[ ! -s "$work/$engine/.terraform.lock.hcl" ]]; then
    echo "lock-providers: $engine providers lock wrote no lock file" >&2
    exit 1
  fi
done

# One file: this header, then each engine's provider blocks without its own header comments.
{
  cat <<'HEADER'
# The provider dependency lock file of tslab's AWS stacks: the providers infra/providers/versions.tf.json lists, with
# checksums for linux_amd64, linux_arm64 and darwin_arm64 (registry.terraform.io for terraform, and
# registry.opentofu.org for tofu when the refresh ran with tofu on PATH). Before each init, tslab writes into every
# stack the entries of the providers it requires and runs init -lockfile=readonly (docs/supply-chain.md).
#
# Produced by scripts/lock-providers.sh (terraform providers lock), which the workflow
# .github/workflows/refresh-pins.yml runs before opening a pull request; never edited by hand.
HEADER
  for engine in "${engines[@]}"; do
    sed -e '/^#/d' "$work/$engine/.terraform.lock.hcl"
  done
} >"$work/merged.hcl"
mv "$work/merged.hcl" "$out"

for engine in "${engines[@]}"; do
  echo "lock-providers: $engine locked $(grep -c '^provider ' "$work/$engine/.terraform.lock.hcl") providers:" \
    "$(sed -n 's/^provider "\(.*\)" {$/\1/p' "$work/$engine/.terraform.lock.hcl" | paste -sd ' ' -)"
done
echo "lock-providers: wrote $out ($(grep -c '^provider ' "$out") provider blocks)"
