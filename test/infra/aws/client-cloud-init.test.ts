import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  IPERF3_DEBCONF_SELECTION,
  MIN_TAILSCALE_VERSION,
  NGINX_SITE_PATH,
  SETUP_SCRIPT_PATH,
  renderClientCloudInit,
} from '../../../infra/constructs/aws/client-cloud-init.ts';
import { renderNatInstanceUserData } from '../../../infra/constructs/aws/nat-instance-user-data.ts';
import { resolveLab, type LabConfig } from '../../../src/lab/config.ts';
import { FIXED_NOW } from './synth-helpers.ts';

/** What the client stack hands over: the ARN of the SSM parameter holding the key, never the key. */
const ARN = '${aws_ssm_parameter.client-auth-key.arn}';

interface CloudConfig {
  write_files: { path: string; content: string; permissions?: string; owner?: string }[];
  runcmd: string[][];
}

function render(lab: LabConfig): {
  text: string;
  config: CloudConfig;
  file: (path: string) => CloudConfig['write_files'][number];
} {
  const text = renderClientCloudInit(lab, ARN);
  const config = parse(text) as CloudConfig;
  const file = (path: string): CloudConfig['write_files'][number] => {
    const found = config.write_files.filter((f) => f.path === path);
    expect(found, path).toHaveLength(1);
    return found[0]!;
  };
  return { text, config, file };
}

function tailscaleUp(script: string): string[] {
  const lines = script.split('\n').filter((line) => line.startsWith('tailscale up '));
  expect(lines).toHaveLength(1);
  return lines[0]!.split(' ').slice(2);
}

function flag(args: string[], name: string): string | undefined {
  return args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
}

const labs = [
  resolveLab({ lab: 'demo' }, { now: FIXED_NOW }),
  resolveLab({ lab: 'pr-7', vpcCidr: '10.20.0.0/16', serviceCidr: '10.140.0.0/18' }, { now: FIXED_NOW }),
];

describe('client cloud-init', () => {
  it.each(labs.map((lab) => [lab.id, lab] as const))(
    'advertises exactly the lab client routes, with its tags and hostname (%s)',
    (_id, lab) => {
      const args = tailscaleUp(render(lab).file(SETUP_SCRIPT_PATH).content);
      expect(flag(args, 'advertise-routes')?.split(',')).toEqual(lab.tailnet.clientRoutes);
      expect(flag(args, 'advertise-tags')?.split(',').sort()).toEqual(
        [lab.tailnet.clientTag, lab.tailnet.slotTag].sort(),
      );
      expect(flag(args, 'hostname')).toBe(lab.client.hostname);
    },
  );

  it('accepts the Connector routes and enables Tailscale SSH', () => {
    const args = tailscaleUp(render(labs[0]!).file(SETUP_SCRIPT_PATH).content);
    expect(args).toContain('--accept-routes');
    expect(args).toContain('--ssh');
  });

  it('names the SSM parameter in --auth-key, bare, and writes no key anywhere', () => {
    const { text, config, file } = render(labs[0]!);
    const script = file(SETUP_SCRIPT_PATH).content;
    // The CLI resolves `arn:aws:ssm:…` itself; a `?…` suffix would become part of the parameter's name.
    expect(flag(tailscaleUp(script), 'auth-key')).toBe(ARN);
    expect(text.split(ARN)).toHaveLength(2);
    expect(config.write_files.map((f) => f.path).filter((path) => /key|tailnet/i.test(path))).toEqual([]);
    expect(text).not.toMatch(/tskey-|file:/);
    const commands = script.split('\n').filter((line) => !line.trimStart().startsWith('#'));
    expect(commands.filter((line) => /set -[a-z]*x|set -o xtrace|bash -x/.test(line))).toEqual([]);
    expect(file(SETUP_SCRIPT_PATH).permissions).toBe('0700');
  });

  it('refuses a tailscale older than the first release that reads its key from SSM, before joining', () => {
    const script = render(labs[0]!).file(SETUP_SCRIPT_PATH).content;
    expect(MIN_TAILSCALE_VERSION).toBe('1.96.0');
    const check = script.indexOf(`dpkg --compare-versions "$version" ge ${MIN_TAILSCALE_VERSION} ||`);
    expect(check).toBeGreaterThan(script.indexOf('apt_get install tailscale'));
    expect(check).toBeLessThan(script.indexOf('tailscale up '));
    expect(script).toContain('version=$(tailscale version | head -n 1)');
    expect(script.slice(check).split('\n')[1]).toMatch(/exit 1; }$/);
  });

  it('enables IP forwarding and installs tailscale from the stable channel of pkgs.tailscale.com', () => {
    const { file } = render(labs[0]!);
    const sysctl = file('/etc/sysctl.d/99-tslab-subnet-router.conf').content;
    expect(sysctl).toContain('net.ipv4.ip_forward = 1');
    expect(sysctl).toContain('net.ipv6.conf.all.forwarding = 1');
    expect(file('/etc/apt/sources.list.d/tailscale.list').content).toMatch(
      /^deb \[signed-by=\S+\] https:\/\/pkgs\.tailscale\.com\/stable\/ubuntu noble main\n$/,
    );
    const script = file(SETUP_SCRIPT_PATH).content;
    expect(script).toContain('https://pkgs.tailscale.com/stable/ubuntu/noble.noarmor.gpg');
    const order = [
      'sysctl --system',
      'apt_get install tailscale',
      'tailscale up ',
      'apt_get install nginx',
    ].map((step) => script.indexOf(step));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('serves a page with the lab nonce and the caller address on port 80 of every host address, logged', () => {
    const lab = labs[0]!;
    const { file } = render(lab);
    const site = file(NGINX_SITE_PATH).content;
    expect(site).toContain('listen 80 default_server;');
    expect(site).not.toMatch(/listen\s+\d+\.\d+\.\d+\.\d+/);
    expect(site).toMatch(
      new RegExp(
        `return 200 "[^"]*tslab-nonce=${lab.workloads.clientNonce}\\\\n[^"]*remote_addr=\\$remote_addr`,
      ),
    );
    expect(site).toMatch(/access_log \/var\/log\/nginx\/\S+;/);
    const script = file(SETUP_SCRIPT_PATH).content;
    expect(script).toContain('rm -f /etc/nginx/sites-enabled/default');
    expect(script).toContain(`ln -sf ${NGINX_SITE_PATH} /etc/nginx/sites-enabled/`);
  });

  it('installs iperf3 for the measurement, answering no to its daemon question before the install', () => {
    const script = render(labs[0]!).file(SETUP_SCRIPT_PATH).content;
    // Debian's iperf3.templates: `Template: iperf3/start_daemon`, `Type: boolean`, asked at priority high.
    expect(IPERF3_DEBCONF_SELECTION).toBe('iperf3 iperf3/start_daemon boolean false');
    const preseed = script.indexOf(`echo '${IPERF3_DEBCONF_SELECTION}' | debconf-set-selections`);
    const install = script.indexOf('apt_get install iperf3');
    expect(preseed).toBeGreaterThan(0);
    expect(install).toBeGreaterThan(preseed);
    // Non-interactive as every other install; no daemon left holding the port between measurements.
    expect(script.indexOf('export DEBIAN_FRONTEND=noninteractive')).toBeLessThan(preseed);
    expect(script.slice(install)).toContain('systemctl disable --now iperf3.service');
    expect(script).not.toMatch(/iperf3 -s|enable --now iperf3/);
  });

  it('runs the setup script once from runcmd', () => {
    expect(render(labs[0]!).config.runcmd).toEqual([[SETUP_SCRIPT_PATH]]);
  });

  it('contains no Terraform template syntax besides the parameter ARN expression', () => {
    const rest = render(labs[1]!).text.split(ARN).join('');
    expect(rest).not.toMatch(/\$\{|%\{/);
  });
});

describe('NAT instance user data', () => {
  const userData = renderNatInstanceUserData('10.20.0.0/16');

  it('forwards and masquerades only the VPC, persistently', () => {
    expect(userData).toContain('net.ipv4.ip_forward = 1');
    expect(userData).toMatch(
      /iptables -t nat -A POSTROUTING -o "\$public_if" -s 10\.20\.0\.0\/16 -j MASQUERADE/,
    );
    expect(userData).toContain('iptables -F FORWARD');
    expect(userData).toContain('iptables-save > /etc/sysconfig/iptables');
    expect(userData).toContain('systemctl enable --now iptables');
  });

  it('contains no Terraform template syntax', () => {
    expect(userData).not.toMatch(/\$\{|%\{/);
  });
});
