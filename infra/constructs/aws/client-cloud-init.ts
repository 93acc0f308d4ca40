// cloud-init of the lab client (Ubuntu 24.04): a Tailscale subnet router for the EKS subnets, an nginx on the host
// whose page carries the lab nonce and the caller's address (what the egress check reads), and iperf3 for the
// data-plane measurement (its server runs only while a measurement does, started through SSM).
//
// No secret here: `tailscale up` is given the ARN of the SSM parameter that holds the auth key, and the CLI reads the
// value itself with the instance role (docs/design/workload-identity.md §5, §9). The user data stays readable through
// IMDS, ec2:DescribeInstanceAttribute and /var/lib/cloud, so it must never carry the key.
// No `${` or `%{` outside the parameter ARN expression: Terraform would read them as template syntax.
import { stringify } from 'yaml';
import type { LabConfig } from '../../../src/lab/config.ts';

export const SETUP_SCRIPT_PATH = '/usr/local/sbin/tslab-client-setup';
export const NGINX_SITE_PATH = '/etc/nginx/sites-available/tslab';
export const NGINX_ACCESS_LOG = '/var/log/nginx/tslab-access.log';
const TAILSCALE_KEYRING = '/usr/share/keyrings/tailscale-archive-keyring.gpg';
const TAILSCALE_REPO = 'https://pkgs.tailscale.com/stable/ubuntu';
const UBUNTU_CODENAME = 'noble';
/** The first tailscale release whose CLI reads `--auth-key=arn:aws:ssm:…` (docs/design/workload-identity.md §5). */
export const MIN_TAILSCALE_VERSION = '1.96.0';
/**
 * Debian's iperf3 package (and Ubuntu's, built from it) asks through debconf whether to run iperf3 as a daemon at
 * boot (template iperf3/start_daemon, boolean). The answer is no: a daemon would hold the measurement's port for ever.
 */
export const IPERF3_DEBCONF_SELECTION = 'iperf3 iperf3/start_daemon boolean false';

/**
 * The `tailscale up` arguments. `authKeyParameterArn` names the SSM parameter holding the key, with nothing appended:
 * the CLI would take a `?…` suffix as part of the parameter's name (docs/design/workload-identity.md §9).
 */
export function tailscaleUpArgs(lab: LabConfig, authKeyParameterArn: string): string[] {
  return [
    `--auth-key=${authKeyParameterArn}`,
    `--hostname=${lab.client.hostname}`,
    `--advertise-tags=${lab.tailnet.clientTag},${lab.tailnet.slotTag}`,
    `--advertise-routes=${lab.tailnet.clientRoutes.join(',')}`,
    '--accept-routes',
    '--ssh',
    '--timeout=300s',
  ];
}

/** The page nginx serves on port 80 of every address, tailnet and VPC alike. */
export function renderNginxSite(lab: LabConfig): string {
  return `server {
    listen 80 default_server;
    listen [::]:80 default_server;
    access_log ${NGINX_ACCESS_LOG};
    default_type text/plain;
    location / {
        return 200 "tslab-nonce=${lab.workloads.clientNonce}\\nhost=${lab.client.hostname}\\nremote_addr=$remote_addr\\n";
    }
}
`;
}

function renderSetupScript(lab: LabConfig, authKeyParameterArn: string): string {
  return `#!/bin/sh
# Run once by cloud-init.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt_get() { apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=10 -y "$@"; }

# A subnet router forwards between tailscale0 and the VPC.
sysctl --system >/dev/null

curl -fsSL --retry 10 --retry-all-errors --connect-timeout 10 \\
  -o ${TAILSCALE_KEYRING} ${TAILSCALE_REPO}/${UBUNTU_CODENAME}.noarmor.gpg
apt_get update
apt_get install tailscale
# Older clients would take the parameter ARN for the key itself.
version=$(tailscale version | head -n 1)
dpkg --compare-versions "$version" ge ${MIN_TAILSCALE_VERSION} ||
  { echo "tailscale $version is older than ${MIN_TAILSCALE_VERSION}: it cannot read its auth key from SSM" >&2; exit 1; }
systemctl enable --now tailscaled
tailscale up ${tailscaleUpArgs(lab, authKeyParameterArn).join(' ')}

apt_get install nginx
rm -f /etc/nginx/sites-enabled/default
ln -sf ${NGINX_SITE_PATH} /etc/nginx/sites-enabled/tslab
nginx -t
systemctl reload nginx

# Answered before the install, so no prompt waits and no daemon starts.
echo '${IPERF3_DEBCONF_SELECTION}' | debconf-set-selections
apt_get install iperf3
# Whatever the package decided, nothing may hold the port between measurements.
systemctl disable --now iperf3.service 2>/dev/null || true
`;
}

/**
 * The #cloud-config user data. `authKeyParameterArn` is a Terraform expression (or a cdktf token) for the ARN of the
 * SSM parameter holding the auth key, never the key; it is the only interpolation in the output.
 */
export function renderClientCloudInit(lab: LabConfig, authKeyParameterArn: string): string {
  const config = {
    write_files: [
      {
        path: '/etc/sysctl.d/99-tslab-subnet-router.conf',
        permissions: '0644',
        content: 'net.ipv4.ip_forward = 1\nnet.ipv6.conf.all.forwarding = 1\n',
      },
      {
        path: '/etc/apt/sources.list.d/tailscale.list',
        permissions: '0644',
        content: `deb [signed-by=${TAILSCALE_KEYRING}] ${TAILSCALE_REPO} ${UBUNTU_CODENAME} main\n`,
      },
      { path: NGINX_SITE_PATH, permissions: '0644', content: renderNginxSite(lab) },
      {
        path: SETUP_SCRIPT_PATH,
        owner: 'root:root',
        permissions: '0700',
        content: renderSetupScript(lab, authKeyParameterArn),
      },
    ],
    runcmd: [[SETUP_SCRIPT_PATH]],
  };
  // No folding: a folded line could split the ARN expression.
  return `#cloud-config\n${stringify(config, { lineWidth: 0, blockQuote: 'literal' })}`;
}
