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
import {
  MEASUREMENT_CHECK_MAX_SECONDS,
  MEASUREMENT_SCRIPT_MAX_SECONDS,
  POD_START_SECONDS,
  THROUGHPUT_PORT,
  THROUGHPUT_SERVER_MAX_SECONDS,
} from '../../src/lab/measurement.ts';
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
    // Slow start left out; a pause so the server has closed the first run before the second.
    for (const run of iperfRuns) expect(run).toContain(' -O 1 ');
    expect(script).toMatch(/ -J --connect-timeout 5000\nsleep 1\necho '--- tslab:reverse'/);
    expect(script).toContain('seq 1 20');
    expect(script).toMatch(/curl -s -o \/dev\/null --max-time 2 /);
  });

  it('refuses a host that could leave its quotes', () => {
    expect(() =>
      measurementScript({ server: { host: "10.0.0.1'; rm -rf /", port: 5201 }, latencyUrl: 'http://x/' }),
    ).toThrow('not an address or a host name');
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

  it('gives every part room for the script at its worst, and the server room for all of it', async () => {
    const asked: (number | undefined)[] = [];
    const base = healthyProbe(lab);
    const probe = healthyProbe(lab, {
      runOnClient: (script, options) => {
        asked.push(options?.timeoutMs);
        return base.runOnClient(script);
      },
      runInCluster: (script, options) => {
        asked.push(options?.timeoutMs);
        return base.runInCluster(script);
      },
    });
    await measureScenario(lab, probe, 'subnet-router');
    await measureScenario(lab, probe, 'egress');
    const worst = 20 * 2 + 2 * (1 + 3 + 10) + 1;
    expect(MEASUREMENT_SCRIPT_MAX_SECONDS).toBe(worst);
    for (const timeoutMs of asked) expect(timeoutMs).toBeGreaterThan(worst * 1000);
    // The far end outlives a measuring pod's start and the whole script; the check's backstop outlives every part.
    expect(THROUGHPUT_SERVER_MAX_SECONDS).toBeGreaterThan(POD_START_SECONDS + worst);
    expect(MEASUREMENT_CHECK_MAX_SECONDS).toBeGreaterThan(POD_START_SECONDS + THROUGHPUT_SERVER_MAX_SECONDS);
    expect(CHECKS.find((c) => c.id === 'egress.throughput')?.measures?.timeoutMs).toBe(
      MEASUREMENT_CHECK_MAX_SECONDS * 1000,
    );
  });

  it('says a failed stop beside the run failure, never instead of it', async () => {
    const probe = healthyProbe(lab, {
      runOnClient: async () => {
        throw new Error('SSM: instance not connected');
      },
      startThroughputServer: async (_scenario, { port }) => ({
        host: '10.0.17.5',
        port,
        where: 'pod',
        stop: async () => {
          throw new Error('pods "tslab-iperf3-x" is forbidden');
        },
      }),
    });
    await expect(measureScenario(lab, probe, 'subnet-router')).rejects.toThrow(
      'SSM: instance not connected; the server was not stopped either (pods "tslab-iperf3-x" is forbidden)',
    );
  });

  it('stops the server when the host it gave cannot go into the script', async () => {
    const stopped: string[] = [];
    const probe = healthyProbe(lab, {
      startThroughputServer: async (_scenario, { port }) => ({
        host: "10.0.17.5'; reboot",
        port,
        where: 'pod',
        stop: async () => {
          stopped.push('stopped');
        },
      }),
    });
    await expect(measureScenario(lab, probe, 'subnet-router')).rejects.toThrow(
      'not an address or a host name',
    );
    expect(stopped).toEqual(['stopped']);
  });

  it('keeps the figures when only the stop failed, and says the server ends by itself', async () => {
    const probe = healthyProbe(lab, {
      startThroughputServer: async (_scenario, { port }) => ({
        host: '10.0.17.5',
        port,
        where: 'pod',
        stop: async () => {
          throw new Error('connection reset');
        },
      }),
    });
    const measured = await measureScenario(lab, probe, 'subnet-router');
    expect(measured.directions).toHaveLength(2);
    expect(measured.cleanup).toBe(
      `the server was not stopped (connection reset); it ends by itself within ${THROUGHPUT_SERVER_MAX_SECONDS} s`,
    );
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
    // The fake answered 4 of the 20 probes: the lost ones are not taken for fast ones.
    expect(message).toContain(
      '16 of 20 round trips got no answer within 2 s, max-latency-ms 0.5 cannot be judged',
    );
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

  it('does not judge latency over the answered probes alone when some got no answer', () => {
    const lossy = { ...measured, latency: { ...measured.latency!, answered: 19 } };
    expect(judge(lossy, {})).toContain('client→cluster carried nothing (0 Mbit/s)');
    expect(judge(lossy, { maxLatencyMs: 100 })).toContain(
      '1 of 20 round trips got no answer within 2 s, max-latency-ms 100 cannot be judged',
    );
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
    const pause = () => new Promise((resolve) => setTimeout(resolve, 20));
    const recorded =
      (where: 'client' | 'cluster', run: typeof base.runOnClient) => async (script: string) => {
        const what = script.includes('tslab:latency') ? `measure from ${where}` : `${where} check`;
        events.push(`${what} start`);
        await pause();
        events.push(`${what} end`);
        return run(script);
      };
    const probe = healthyProbe(lab, {
      runOnClient: recorded('client', (s) => base.runOnClient(s)),
      runInCluster: recorded('cluster', (s) => base.runInCluster(s)),
    });
    const results = await runChecks(CHECKS, lab, probe, { timeoutMs: 5_000 });
    expect(results.map((r) => r.id)).toEqual(CHECKS.map((c) => c.id));
    expect(results.every((r) => r.status === 'pass')).toBe(true);
    const firstMeasure = events.findIndex((e) => e.startsWith('measure'));
    // Every functional call has ended before the first measurement starts, and the two never overlap.
    expect(events.slice(0, firstMeasure).filter((e) => e.endsWith('start')).length).toBe(
      events.slice(0, firstMeasure).filter((e) => e.endsWith('end')).length,
    );
    expect(events.slice(firstMeasure)).toEqual([
      'measure from client start',
      'measure from client end',
      'measure from cluster start',
      'measure from cluster end',
    ]);
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
