// cloud-init of the lab client (Ubuntu 24.04): a Tailscale subnet router for the EKS subnets and the VPC resolver,
// and an nginx on the host whose page carries the lab nonce and the caller's address (what the egress check reads).
//
// The auth key: written by cloud-init to a root-only file on tmpfs, handed to tailscale as `file:` (so it is never
// on a command line), and removed as soon as `tailscale up` returns. The script has no `set -x`.
// No `${` or `%{` outside the key expression: Terraform would read them as template syntax.
import { Scalar, stringify } from 'yaml';
import type { LabConfig } from '../../../src/lab/config.ts';

export const AUTH_KEY_PATH = '/run/tslab/tailnet-auth-key';
export const SETUP_SCRIPT_PATH = '/usr/local/sbin/tslab-client-setup';
export const NGINX_SITE_PATH = '/etc/nginx/sites-available/tslab';
export const NGINX_ACCESS_LOG = '/var/log/nginx/tslab-access.log';
const TAILSCALE_KEYRING = '/usr/share/keyrings/tailscale-archive-keyring.gpg';
const TAILSCALE_REPO = 'https://pkgs.tailscale.com/stable/ubuntu';
const UBUNTU_CODENAME = 'noble';

/** The `tailscale up` arguments; the auth key is always read from AUTH_KEY_PATH. */
export function tailscaleUpArgs(lab: LabConfig): string[] {
  return [
    `--auth-key=file:${AUTH_KEY_PATH}`,
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

function renderSetupScript(lab: LabConfig): string {
  return `#!/bin/sh
# Run once by cloud-init. No xtrace here: the key file's path may be logged, its content never.
set -eu
trap 'rm -f ${AUTH_KEY_PATH}' EXIT
export DEBIAN_FRONTEND=noninteractive
apt_get() { apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=10 -y "$@"; }

# A subnet router forwards between tailscale0 and the VPC.
sysctl --system >/dev/null

curl -fsSL --retry 10 --retry-all-errors --connect-timeout 10 \\
  -o ${TAILSCALE_KEYRING} ${TAILSCALE_REPO}/${UBUNTU_CODENAME}.noarmor.gpg
apt_get update
apt_get install tailscale
systemctl enable --now tailscaled
tailscale up ${tailscaleUpArgs(lab).join(' ')}
rm -f ${AUTH_KEY_PATH}

apt_get install nginx
rm -f /etc/nginx/sites-enabled/default
ln -sf ${NGINX_SITE_PATH} /etc/nginx/sites-enabled/tslab
nginx -t
systemctl reload nginx
`;
}

/**
 * The #cloud-config user data. `authKeyExpression` is a Terraform expression (or a cdktf token) for the auth key;
 * it is the only interpolation in the output.
 */
export function renderClientCloudInit(lab: LabConfig, authKeyExpression: string): string {
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
      {
        path: AUTH_KEY_PATH,
        owner: 'root:root',
        permissions: '0600',
        content: doubleQuoted(authKeyExpression),
      },
      { path: NGINX_SITE_PATH, permissions: '0644', content: renderNginxSite(lab) },
      { path: SETUP_SCRIPT_PATH, owner: 'root:root', permissions: '0700', content: renderSetupScript(lab) },
    ],
    runcmd: [[SETUP_SCRIPT_PATH]],
  };
  // No folding: a folded line could split the key expression.
  return `#cloud-config\n${stringify(config, { lineWidth: 0, blockQuote: 'literal' })}`;
}

/** The key is substituted after YAML rendering, so it goes in quotes whatever characters it turns out to have. */
function doubleQuoted(value: string): Scalar<string> {
  const scalar = new Scalar(value);
  scalar.type = Scalar.QUOTE_DOUBLE;
  return scalar;
}
