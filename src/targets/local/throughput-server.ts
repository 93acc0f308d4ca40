// iperf3 servers for the data-plane measurement, started inside a lab namespace and bounded by `timeout`, so a
// server dies on its own even when whoever started it never stops it (or dies first).
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import type { DataPlaneScenario, ThroughputServer, ThroughputServerOptions } from '../../checks/probe.ts';
import type { LabConfig } from '../../lab/config.ts';
import { checkServerBounds } from '../../lab/measurement.ts';
import { runIn } from './netns-exec.ts';
import type { LocalPlan } from '../../../infra/local/plan.ts';

const POLL_MS = 50;
const LISTEN_TIMEOUT_MS = 5_000;
/** How long iperf3 gets to exit on SIGTERM, from stop() or from `timeout`, before SIGKILL. */
const KILL_AFTER_S = 2;
const STDERR_KEPT = 4_096;

/** Where a scenario's server runs, the address it listens on, and what the measuring end connects to. */
export interface ThroughputTarget {
  namespace: string;
  bindIp: string;
  host: string;
  where: string;
}

/**
 * subnet-router: in the nginx pod, which the client reaches at its pod IP through the Connector. egress: on the
 * client's tailnet address, which the egress proxy DNATs to; the pod connects to the egress Service's name.
 */
export function throughputTarget(
  lab: LabConfig,
  plan: LocalPlan,
  scenario: DataPlaneScenario,
): ThroughputTarget {
  if (scenario === 'subnet-router') {
    const namespace = plan.namespaces.nginx;
    const ip = plan.podIps.nginx;
    return { namespace, bindIp: ip, host: ip, where: `local pod namespace ${namespace} at ${ip}` };
  }
  const client = plan.tailnet.peers.client;
  return {
    namespace: client.namespace,
    bindIp: client.tailnetIp,
    host: lab.workloads.egressFqdn,
    where: `local client namespace ${client.namespace} at ${client.tailnetIp}`,
  };
}

/** The command run inside the namespace: iperf3's server, ended by `timeout` after maxSeconds at the latest. */
export function throughputServerArgv(bindIp: string, options: ThroughputServerOptions): string[] {
  const maxSeconds = checkServerBounds(options);
  return [
    'timeout',
    `--kill-after=${KILL_AFTER_S}`,
    String(maxSeconds),
    'iperf3',
    '--server',
    '--bind',
    bindIp,
    '--port',
    String(options.port),
  ];
}

/** Starts the server and resolves once it listens; rejects (with iperf3's own words) if it cannot. */
export async function startThroughputServerIn(
  target: ThroughputTarget,
  options: ThroughputServerOptions,
): Promise<ThroughputServer> {
  const argv = throughputServerArgv(target.bindIp, options);
  if ((await listeners(target.namespace, options.port)).trim()) {
    throw new Error(
      `Could not start iperf3 in ${target.namespace}: something already listens on :${options.port}`,
    );
  }
  // Its own process group (`ip netns exec` and `timeout` both exec or stay in it), so stop() reaches iperf3 too.
  // Unreferenced: a caller that forgets stop() must not keep this process alive; `timeout` ends the server.
  const child = spawn('ip', ['netns', 'exec', target.namespace, ...argv], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.unref();
  (child.stderr as Socket | null)?.unref();
  let stderr = '';
  let exited = false;
  let spawnError: Error | undefined;
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEPT);
  });
  child.once('exit', () => (exited = true));
  const closed = new Promise<void>((resolveClose) => child.once('close', () => resolveClose()));
  child.once('error', (error) => {
    spawnError = error;
    exited = true;
  });
  const group = child.pid;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= group === undefined ? Promise.resolve() : stopGroup(group, () => exited));

  const deadline = Date.now() + LISTEN_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      await Promise.race([closed, sleep(500)]);
      const reason = spawnError?.message ?? (stderr.trim() || 'it exited before listening');
      throw new Error(`Could not start iperf3 in ${target.namespace}: ${reason}`);
    }
    // Ours, not another server that took the port since the check above (ours then fails and exits).
    if (await listensInGroup(target.namespace, options.port, group)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `iperf3 in ${target.namespace} did not listen on :${options.port} within ${LISTEN_TIMEOUT_MS} ms: ${stderr.trim() || 'no output'}`,
      );
    }
    await sleep(POLL_MS);
  }
  return { host: target.host, port: options.port, where: target.where, stop };
}

/** `ss` lines for the TCP listeners on the port in the namespace, with the processes holding them. */
async function listeners(namespace: string, port: number): Promise<string> {
  const result = await runIn(namespace, ['ss', '-H', '-ltnp', `sport = :${port}`], { timeoutMs: 5_000 });
  return result.exitCode === 0 ? result.stdout : '';
}

/** The pids in `ss -p` output: `users:(("iperf3",pid=4242,fd=3))`. */
export function parseListenerPids(ssOutput: string): number[] {
  return [...new Set([...ssOutput.matchAll(/\bpid=(\d+)/g)].map((match) => Number(match[1])))];
}

async function listensInGroup(namespace: string, port: number, group: number | undefined): Promise<boolean> {
  if (group === undefined) return false;
  const pids = parseListenerPids(await listeners(namespace, port));
  return (await Promise.all(pids.map(processGroupOf))).includes(group);
}

/** /proc/<pid>/stat reads "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses. */
async function processGroupOf(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const afterComm = stat
    .slice(stat.lastIndexOf(')') + 1)
    .trim()
    .split(/\s+/);
  const group = Number(afterComm[2]);
  return Number.isInteger(group) && group > 0 ? group : undefined;
}

/**
 * SIGTERM to the whole group, then SIGKILL once iperf3 had its chance to exit. Only signalled while the leader
 * (`timeout`) is unreaped, so its pid, and the group id, cannot belong to anyone else yet. `timeout` waits for
 * iperf3, so the leader's exit means the server is gone.
 */
async function stopGroup(group: number, leaderExited: () => boolean): Promise<void> {
  if (leaderExited()) return;
  signalGroup(group, 'SIGTERM');
  const deadline = Date.now() + KILL_AFTER_S * 1000 + 1000;
  // Polled rather than awaited on 'exit': the child is unreferenced, and the timer keeps the loop (and reaping)
  // going.
  while (!leaderExited()) {
    if (Date.now() > deadline) {
      signalGroup(group, 'SIGKILL');
      while (!leaderExited()) await sleep(POLL_MS);
      return;
    }
    await sleep(POLL_MS);
  }
}

function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}
