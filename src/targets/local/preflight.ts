// Checks the machine can run the local lab before anything is created, and says exactly how to fix what is
// missing.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Programs the topology and the probe run, and the Debian package that provides each. */
export const REQUIRED_PROGRAMS: Readonly<Record<string, string>> = {
  ip: 'iproute2',
  ss: 'iproute2',
  iptables: 'iptables',
  'wireguard-go': 'wireguard-go',
  wg: 'wireguard-tools',
  dnsmasq: 'dnsmasq-base',
  nginx: 'nginx-light',
  tcpdump: 'tcpdump',
  curl: 'curl',
  dig: 'dnsutils',
  sysctl: 'procps',
  setsid: 'util-linux',
  timeout: 'coreutils',
  iperf3: 'iperf3',
};

export const TUN_DEVICE = '/dev/net/tun';

export interface PreflightEnvironment {
  uid: number;
  findProgram(name: string): string | undefined;
  fileExists(path: string): boolean;
  /** Creates and deletes a throwaway namespace; the error text when that fails. */
  tryNamespace(): string | undefined;
}

export class LocalPreflightError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`The local lab cannot run on this machine:\n${problems.map((p) => `- ${p}`).join('\n')}`);
    this.name = 'LocalPreflightError';
    this.problems = problems;
  }
}

/** Every problem found, each with its fix; empty when the local lab can run. */
export function localPreflight(env: PreflightEnvironment = systemEnvironment()): string[] {
  const problems: string[] = [];
  const isRoot = env.uid === 0;
  if (!isRoot) {
    problems.push(
      'must run as root: network namespaces, veth pairs, iptables and TUN devices need CAP_NET_ADMIN (run it with sudo)',
    );
  }
  const missing = Object.keys(REQUIRED_PROGRAMS).filter((program) => !env.findProgram(program));
  if (missing.length) {
    const packages = [...new Set(missing.map((program) => REQUIRED_PROGRAMS[program]!))];
    problems.push(
      `missing programs: ${missing.join(', ')}; install them with: apt-get install -y ${packages.join(' ')} ` +
        '(or run scripts/install-lab-packages.sh)',
    );
  }
  if (!env.fileExists(TUN_DEVICE)) {
    problems.push(
      `${TUN_DEVICE} does not exist: wireguard-go needs the TUN device ` +
        `(modprobe tun; in a container pass --device ${TUN_DEVICE})`,
    );
  }
  if (isRoot && env.findProgram('ip')) {
    const failure = env.tryNamespace();
    if (failure) {
      problems.push(
        `'ip netns add' does not work here (${failure}): the kernel needs network namespaces, and a container needs ` +
          'CAP_SYS_ADMIN and CAP_NET_ADMIN (docker run --privileged)',
      );
    }
  }
  return problems;
}

export function assertLocalPreflight(env: PreflightEnvironment = systemEnvironment()): void {
  const problems = localPreflight(env);
  if (problems.length) throw new LocalPreflightError(problems);
}

/** sbin directories are searched even when PATH lacks them, as it does for non-root shells on Debian. */
export function systemEnvironment(pathVariable = process.env['PATH'] ?? ''): PreflightEnvironment {
  const dirs = [
    ...new Set([...pathVariable.split(delimiter).filter(Boolean), '/usr/local/sbin', '/usr/sbin', '/sbin']),
  ];
  return {
    uid: process.getuid?.() ?? -1,
    findProgram: (name) =>
      dirs
        .map((dir) => join(dir, name))
        .find((path) => {
          try {
            accessSync(path, constants.X_OK);
            return true;
          } catch {
            return false;
          }
        }),
    fileExists: existsSync,
    tryNamespace: () => {
      const name = `tslab-preflight-${process.pid}`;
      const add = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8' });
      if (add.error) return add.error.message;
      if (add.status !== 0) return add.stderr.trim() || `exit ${add.status}`;
      spawnSync('ip', ['netns', 'del', name]);
      return undefined;
    },
  };
}
