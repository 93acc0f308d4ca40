// User data of the NAT instance (Amazon Linux 2023): forward and masquerade the VPC's traffic out of its public
// interface, and keep both across reboots. No `${`/`%{` anywhere: Terraform would read them as template syntax.

export function renderNatInstanceUserData(vpcCidr: string): string {
  return `#!/bin/bash
set -euo pipefail
cat > /etc/sysctl.d/90-tslab-nat.conf <<'SYSCTL'
net.ipv4.ip_forward = 1
SYSCTL
sysctl --system >/dev/null
dnf install -y iptables-services
public_if=$(ip -4 route show default | awk '{print $5; exit}')
iptables -t nat -A POSTROUTING -o "$public_if" -s ${vpcCidr} -j MASQUERADE
# iptables-services ships a FORWARD chain that rejects everything; this box exists to forward.
iptables -F FORWARD
iptables-save > /etc/sysconfig/iptables
systemctl enable --now iptables
`;
}
