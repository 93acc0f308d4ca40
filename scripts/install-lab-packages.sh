#!/usr/bin/env bash
# Installs the Debian packages the local lab uses (network namespaces, a WireGuard mesh, DNS, HTTP, NAT, captures,
# throughput).
# Idempotent: installs only what is missing. Needs root on Debian/Ubuntu.
set -euo pipefail
packages=(iproute2 iptables wireguard-go wireguard-tools dnsmasq-base nginx-light tcpdump curl dnsutils procps psmisc iperf3)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "local lab packages: all present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "local lab packages missing: ${missing[*]}" >&2
  echo "run as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
