// The data-plane measurement's own logic over a fake probe fed real iperf3 reports: which way each figure went,
// the bounds of what runs, the thresholds, and that a server never outlives its measurement.
import { describe, expect, it } from 'vitest';
import {
  judge,
  measureScenario,
  measurementScript,
  parseMeasurementOutput,
  type ScenarioMeasurement,
} from '../../src/checks/data-plane.ts';
import { CHECKS } from '../../src/checks/definitions.ts';
import { runChecks } from '../../src/checks/runner.ts';
import { CheckFailure } from '../../src/checks/types.ts';
import { resolveLab } from '../../src/lab/config.ts';
import { THROUGHPUT_PORT } from '../../src/lab/measurement.ts';
import { healthyMeasurementOutput, healthyProbe } from '../fakes/fake-probe.ts';

const lab = resolveLab({ lab: 'measure', stateBucket: 'tslab-measure' });

describe('the measuring end', () => {
  it('bounds every command and talks to the server it was given only', () => {
    const script = measurementScript({
      server: { host: '10.0.17.5', port: THROUGHPUT_PORT },
      latencyUrl: 'http://nginx.lab.svc.cluster.local/',
    });
    const iperfRuns = script.split('\n').filter((line) => line.includes('iperf3'));
    expect(iperfRuns).toHaveLength(2);
    for (const run of iperfRuns) {
      expect(run).toMatch(/^timeout \d+ iperf3 -c '10\.0\.17\.5' -p 5201 -t 3 /);
      expect(run).toContain('--connect-timeout');
      expect(run).toContain(' -J');
    }
    expect(iperfRuns[1]).toMatch(/ -R$/);
    expect(script).toContain('seq 1 20');
    expect(script).toMatch(/curl -s -o \/dev\/null --max-time 2 /);
  });

  it('reads both runs and drops handshakes that never completed', () => {
    const parsed = parseMeasurementOutput(healthyMeasurementOutput());
    expect(parsed.forward).toMatchObject({ direction: 'forward' });
    expect(parsed.reverse).toMatchObject({ direction: 'reverse' });
    // Five probes printed, one lost (curl's zeros): connect less name lookup, in ms.
    expect(parsed.latencySamplesMs).toEqual([1.2, 1, 1.5, 0.8]);
  });

  it('turns a missing report into an iperf3 error, not a figure', () => {
    const parsed = parseMeasurementOutput('--- tslab:latency\n--- tslab:forward\n--- tslab:reverse\n');
    expect(parsed.forward).toBeInstanceOf(Error);
    expect(parsed.reverse).toBeInstanceOf(Error);
    expect(parsed.latencySamplesMs).toEqual([]);
  });
});

describe('measureScenario', () => {
  it('names directions by the lab ends: the client measures subnet-router, a pod measures egress', async () => {
    const probe = healthyProbe(lab);
    const subnet = await measureScenario(lab, probe, 'subnet-router');
    expect(subnet.directions.map((d) => d.direction)).toEqual(['client→cluster', 'cluster→client']);
    expect(subnet.directions[0]!.mbps).toBeCloseTo(40703.522, 2);
    expect(subnet.directions[0]!.retransmits).toBe(0);
    expect(subnet.latency).toEqual({ probes: 20, answered: 4, p50Ms: 1, p90Ms: 1.5, p99Ms: 1.5 });
    expect(subnet.path.mode).toBe('direct');
    expect(subnet.mtu).toBe(1280);
    expect(probe.calls.filter((c) => c.includes('tslab:latency'))[0]).toMatch(/^client: /);

    const egress = await measureScenario(lab, probe, 'egress');
    expect(egress.directions.map((d) => d.direction)).toEqual(['cluster→client', 'client→cluster']);
    expect(egress.path).toMatchObject({ mode: 'derp', derpRegion: 'fra' });
    const egressRun = probe.calls.find((c) => c.startsWith('cluster: ') && c.includes('tslab:latency'))!;
    expect(egressRun).toContain(`iperf3 -c '${lab.workloads.egressFqdn}' -p 5201`);
    expect(probe.calls.filter((c) => c.startsWith('server:'))).toEqual([
      'server: start subnet-router',
      'server: stop subnet-router',
      'server: start egress',
      'server: stop egress',
    ]);
  });

  it('stops the server when the measuring end fails', async () => {
    const probe = healthyProbe(lab, {
      runOnClient: async () => {
        throw new Error('SSM: instance not connected');
      },
    });
    await expect(measureScenario(lab, probe, 'subnet-router')).rejects.toThrow('instance not connected');
    // The overrides replace the recording runOnClient, not the recording server.
    expect(probe.calls).toContain('server: stop subnet-router');
  });

  it('fails with what iperf3 said when a direction was not measured', async () => {
    const probe = healthyProbe(lab, {
      runInCluster: async () => ({
        exitCode: 0,
        stdout:
          '--- tslab:latency\n--- tslab:forward\n{"start":{},"end":{},"error":"unable to connect to server: Connection refused"}\n--- tslab:reverse\n',
        stderr: '',
      }),
    });
    const failure = await measureScenario(lab, probe, 'egress').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CheckFailure);
    expect((failure as Error).message).toContain('cluster→client: iperf3: unable to connect to server');
  });

  it('fails below a threshold with the figure and the threshold in the message', async () => {
    const failure = await measureScenario(lab, healthyProbe(lab), 'subnet-router', {
      minThroughputMbps: 1e9,
      maxLatencyMs: 0.5,
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CheckFailure);
    const message = (failure as Error).message;
    expect(message).toMatch(
      /client→cluster carried 40703\.5\d* Mbit\/s, below min-throughput-mbps 1000000000/,
    );
    expect(message).toContain('p90 round trip 1.5 ms exceeds max-latency-ms 0.5');
    // The figures stay in the evidence, so the report still shows them.
    expect((failure as CheckFailure).evidence['directions']).toHaveLength(2);
  });
});

describe('judge', () => {
  const measured: ScenarioMeasurement = {
    scenario: 'egress',
    label: 'fake',
    server: 'here',
    directions: [
      { direction: 'cluster→client', mbps: 120, retransmits: 3, seconds: 3 },
      { direction: 'client→cluster', mbps: 0, retransmits: 0, seconds: 3 },
    ],
    latency: { probes: 20, answered: 20, p50Ms: 2, p90Ms: 4, p99Ms: 9 },
    path: { mode: 'direct', derpRegion: null, detail: '' },
    mtu: 1280,
  };

  it('always fails a direction that carried nothing, and only reports otherwise', () => {
    expect(judge(measured, {})).toEqual(['client→cluster carried nothing (0 Mbit/s)']);
  });

  it('compares the p90 with max-latency-ms, at the threshold passing', () => {
    const ok = { ...measured, directions: [measured.directions[0]!] };
    expect(judge(ok, { maxLatencyMs: 4, minThroughputMbps: 120 })).toEqual([]);
    expect(judge(ok, { maxLatencyMs: 3.9 })).toEqual(['p90 round trip 4 ms exceeds max-latency-ms 3.9']);
  });
});

describe('the measurement checks in a validation', () => {
  it('run after every functional check has ended, one at a time', async () => {
    const events: string[] = [];
    const base = healthyProbe(lab);
    const probe = healthyProbe(lab, {
      runOnClient: async (script) => {
        events.push(script.includes('tslab:latency') ? 'measure subnet-router' : 'client check');
        return base.runOnClient(script);
      },
      runInCluster: async (script) => {
        events.push(script.includes('tslab:latency') ? 'measure egress' : 'cluster check');
        await new Promise((resolve) => setTimeout(resolve, 5));
        return base.runInCluster(script);
      },
    });
    const results = await runChecks(CHECKS, lab, probe, { timeoutMs: 5_000 });
    expect(results.map((r) => r.id)).toEqual(CHECKS.map((c) => c.id));
    expect(results.every((r) => r.status === 'pass')).toBe(true);
    const firstMeasure = events.findIndex((e) => e.startsWith('measure'));
    expect(events.slice(firstMeasure)).toEqual(['measure subnet-router', 'measure egress']);
    expect(events.slice(0, firstMeasure).length).toBeGreaterThan(0);
  });

  it('are skipped when the scenario they measure does not work', async () => {
    const probe = healthyProbe(lab, {
      runInCluster: async () => ({ exitCode: 7, stdout: '', stderr: 'connection refused' }),
    });
    const results = await runChecks(CHECKS, lab, probe, { timeoutMs: 50, initialDelayMs: 10 });
    expect(results.find((r) => r.id === 'egress.throughput')).toMatchObject({
      status: 'skip',
      error: expect.stringContaining('egress.http'),
    });
    expect(results.find((r) => r.id === 'subnet-router.throughput')?.status).toBe('pass');
  });

  it('pass the thresholds through to the check', async () => {
    const results = await runChecks(CHECKS, lab, healthyProbe(lab), {
      timeoutMs: 5_000,
      thresholds: { minThroughputMbps: 1e9 },
    });
    const measured = results.filter((r) => r.id.endsWith('.throughput'));
    expect(measured.map((r) => r.status)).toEqual(['fail', 'fail']);
    expect(measured[0]!.error).toContain('below min-throughput-mbps 1000000000');
  });
});
