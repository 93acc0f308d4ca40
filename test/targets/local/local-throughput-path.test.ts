// The data-plane measurement on a real local lab: iperf3 servers started by the probe at the far end of each
// scenario, measured from the near end both ways, the egress path through the egress Service, and nothing left
// running. Needs root and the lab packages; skipped elsewhere.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseIperf3, type Iperf3Result } from '../../../src/checks/iperf3.ts';
import type { CommandResult } from '../../../src/checks/probe.ts';
import { resolveLab } from '../../../src/lab/config.ts';
import { THROUGHPUT_PORT } from '../../../src/lab/measurement.ts';
import { LocalLabProbe } from '../../../src/targets/local/probe.ts';
import { localPlan } from '../../../infra/local/plan.ts';
import { startThroughputServerIn, throughputTarget } from '../../../src/targets/local/throughput-server.ts';
import { createScript, destroyScript, localTopology } from '../../../infra/local/topology.ts';
import { requires } from '../../support/requires.ts';

const baseDir = mkdtempSync(join(tmpdir(), 'tslab-throughput-'));
const id = `tp${Math.random().toString(36).slice(2, 8)}`;
const lab = resolveLab({ lab: id, target: 'local' }, { localStateDir: join(baseDir, 'state') });
const plan = localPlan(lab);
const pieces = localTopology(lab);
const probe = new LocalLabProbe(lab);
/** Short runs: the figures only need to be non-zero here, and the suite shares two cores. */
const SECONDS = 1;
const SERVER_MAX_SECONDS = 30;

function bash(script: string): { status: number | null; stderr: string } {
  return spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 20_000 });
}

/** iperf3 and its `timeout` in the namespaces the servers run in (zombies hold nothing and are not counted). */
function serverProcesses(): string[] {
  return [plan.namespaces.nginx, plan.tailnet.peers.client.namespace].flatMap((ns) =>
    spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean)
      .flatMap((pid) => {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          const comm = /\((.*)\) (\S)/.exec(stat);
          return comm && comm[2] !== 'Z' && ['iperf3', 'timeout'].includes(comm[1]!)
            ? [`${ns}: ${pid} ${comm[1]}`]
            : [];
        } catch {
          return [];
        }
      }),
  );
}

/** Packets of the nat rules for the throughput port (nat rules see each connection's first packet only). */
function dnatPackets(namespace: string, chain: string): number {
  const rules = spawnSync(
    'ip',
    ['netns', 'exec', namespace, 'iptables', '-w', '-t', 'nat', '-L', chain, '-n', '-v', '-x'],
    {
      encoding: 'utf8',
    },
  ).stdout;
  return rules
    .split('\n')
    .filter((line) => line.includes(`dpt:${THROUGHPUT_PORT} `))
    .reduce((sum, line) => sum + Number(line.trim().split(/\s+/)[0]), 0);
}

function measured(result: CommandResult): Iperf3Result {
  expect(result.exitCode, `${result.stderr}\n${result.stdout.slice(0, 500)}`).toBe(0);
  return parseIperf3(result.stdout);
}

const figures: string[] = [];

requires('local-lab').describe(`throughput and path on the local lab (lab ${id})`, () => {
  beforeAll(() => {
    for (const piece of pieces) {
      const result = bash(createScript(piece));
      if (result.status !== 0) throw new Error(`creating ${piece.id} failed:\n${result.stderr}`);
    }
  }, 20_000);

  afterAll(() => {
    if (figures.length) console.log(`iperf3 on lab ${id}, ${SECONDS} s each:\n${figures.join('\n')}`);
    for (const piece of [...pieces].reverse()) bash(destroyScript(piece));
    rmSync(baseDir, { recursive: true, force: true });
  });

  it('measures client → Connector → nginx pod both ways, at the pod IP', async () => {
    const server = await probe.startThroughputServer('subnet-router', {
      port: THROUGHPUT_PORT,
      maxSeconds: SERVER_MAX_SECONDS,
    });
    try {
      expect(server).toMatchObject({ host: plan.podIps.nginx, port: THROUGHPUT_PORT });
      expect(server.where).toBe(`local pod namespace ${plan.namespaces.nginx} at ${plan.podIps.nginx}`);
      const client = `iperf3 -c ${server.host} -p ${server.port} -t ${SECONDS} -J`;
      const forward = measured(await probe.runOnClient(client));
      const reverse = measured(await probe.runOnClient(`${client} -R`));
      for (const [result, direction] of [
        [forward, 'forward'],
        [reverse, 'reverse'],
      ] as const) {
        expect(result.direction).toBe(direction);
        expect(result.receivedMbps).toBeGreaterThan(0);
        expect(result.remote).toEqual({ host: plan.podIps.nginx, port: THROUGHPUT_PORT });
        figures.push(`subnet-router ${direction}: ${result.receivedMbps.toFixed(0)} Mbit/s received`);
      }
    } finally {
      await server.stop();
    }
    await server.stop();
    expect(serverProcesses()).toEqual([]);
  });

  it('measures netshoot → egress Service → egress proxy → client both ways, at the Service address', async () => {
    const server = await probe.startThroughputServer('egress', {
      port: THROUGHPUT_PORT,
      maxSeconds: SERVER_MAX_SECONDS,
    });
    try {
      expect(server).toMatchObject({ host: lab.workloads.egressFqdn, port: THROUGHPUT_PORT });
      const client = `iperf3 -c ${server.host} -p ${server.port} -t ${SECONDS} -J`;
      const forward = measured(await probe.runInCluster(client));
      const reverse = measured(await probe.runInCluster(`${client} -R`));
      for (const [result, direction] of [
        [forward, 'forward'],
        [reverse, 'reverse'],
      ] as const) {
        expect(result.direction).toBe(direction);
        expect(result.receivedMbps).toBeGreaterThan(0);
        // The pod connected to the egress Service's ClusterIP, not to the client: the proxy carried it.
        expect(result.remote).toEqual({ host: plan.services.egress, port: THROUGHPUT_PORT });
        figures.push(`egress ${direction}: ${result.receivedMbps.toFixed(0)} Mbit/s received`);
      }
      // Both DNATs of the egress HTTP path carried it: kube-proxy's on the node, the proxy's onto the tailnet.
      expect(dnatPackets(plan.namespaces.node, 'TSLAB-SERVICES')).toBeGreaterThan(0);
      expect(dnatPackets(plan.namespaces.egress, 'PREROUTING')).toBeGreaterThan(0);
    } finally {
      await server.stop();
    }
    expect(serverProcesses()).toEqual([]);
  });

  it('refuses a second server on a port already served, and ends a server nobody stops at maxSeconds', async () => {
    const first = await probe.startThroughputServer('subnet-router', {
      port: THROUGHPUT_PORT,
      maxSeconds: 1,
    });
    await expect(
      probe.startThroughputServer('subnet-router', { port: THROUGHPUT_PORT, maxSeconds: 1 }),
    ).rejects.toThrow(/already listens on :5201/);
    expect(serverProcesses()).toHaveLength(2);
    // first.stop() is deliberately not called until the bound has passed: `timeout` alone must end it.
    for (let i = 0; i < 60 && serverProcesses().length; i++) await new Promise((r) => setTimeout(r, 50));
    expect(serverProcesses()).toEqual([]);
    await first.stop();
  });

  it("rejects with iperf3's own reason when the server cannot listen, leaving nothing behind", async () => {
    // 192.0.2.1 is documentation space, on no interface of the namespace: the bind fails.
    const target = { ...throughputTarget(lab, plan, 'subnet-router'), bindIp: '192.0.2.1' };
    await expect(
      startThroughputServerIn(target, { port: THROUGHPUT_PORT, maxSeconds: SERVER_MAX_SECONDS }),
    ).rejects.toThrow(/Could not start iperf3 in .*nginx: .*Cannot assign requested address/);
    expect(serverProcesses()).toEqual([]);
  });

  it('reports direct WireGuard paths to the router and the egress proxy, and the tunnel MTU', async () => {
    const { egress, router } = plan.tailnet.peers;
    const toEgress = await probe.pathToEgressProxy();
    expect(toEgress.mode, toEgress.detail).toBe('direct');
    expect(toEgress.latencyMs).toBeGreaterThan(0);
    expect(toEgress.detail).toContain(`${egress.underlayIp}:${egress.listenPort}`);
    expect(toEgress.detail).toContain(egress.tailnetIp);
    const toRouter = await probe.pathToRouter();
    expect(toRouter.mode, toRouter.detail).toBe('direct');
    expect(toRouter.detail).toContain(`${router.underlayIp}:${router.listenPort}`);
    // wireguard-go's default MTU: 1500 less the WireGuard, UDP and IPv6 headers.
    expect(await probe.tunnelMtu()).toBe(1420);
    expect(probe.measurementLabel).toMatch(/wireguard-go/);
  });
});
