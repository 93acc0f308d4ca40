// What a local lab can leave on this machine, found by name: network namespaces, processes (daemons started in its
// namespaces, wireguard-go by interface), WireGuard control sockets, and its directory under .tslab/state.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveLab, type LabConfig } from '../../../src/lab/config.ts';
import { localPlan, PEERS } from '../../../infra/local/plan.ts';

export const STATE_ROOT = resolve('.tslab/state');

/** The lab as the CLI resolves it from its id alone. */
export function localLab(id: string): LabConfig {
  return resolveLab({ lab: id, target: 'local' }, { localStateDir: STATE_ROOT });
}

export interface LocalRemains {
  namespaces: string[];
  processes: string[];
  wireguardSockets: string[];
  stateDir: string[];
}

export function localRemains(id: string): LocalRemains {
  const plan = localPlan(localLab(id));
  const ifaces = PEERS.map((peer) => plan.tailnet.peers[peer].iface);
  const labDir = join(STATE_ROOT, id);
  const namespaces = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(`tslab-${id}-`));
  const processes = readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .flatMap((pid) => {
      try {
        if (/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return [];
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        return cmd.includes(labDir) || ifaces.some((iface) => cmd.includes(iface)) ? [cmd.trim()] : [];
      } catch {
        return [];
      }
    });
  return {
    namespaces,
    processes,
    wireguardSockets: ifaces
      .map((iface) => `/var/run/wireguard/${iface}.sock`)
      .filter((path) => existsSync(path)),
    stateDir: existsSync(labDir) ? readdirSync(labDir) : [],
  };
}

export const NOTHING_LOCAL: LocalRemains = {
  namespaces: [],
  processes: [],
  wireguardSockets: [],
  stateDir: [],
};
