// The data-plane measurement of one scenario: iperf3 both ways for a fixed few seconds, then TCP handshakes timed
// through the whole path, the tunnel's path and MTU. The same code runs on AWS and on the local lab: the probe starts
// the far end's server and runs the measuring end's script (docs/design/lab.md §5).
import type { LabConfig } from '../lab/config.ts';
import {
  IPERF3_PAUSE_SECONDS,
  IPERF3_SLACK_SECONDS,
  LATENCY_PROBES,
  LATENCY_PROBE_TIMEOUT_S,
  MEASUREMENT_SCRIPT_MAX_SECONDS,
  THROUGHPUT_OMIT_SECONDS,
  THROUGHPUT_PORT,
  THROUGHPUT_SECONDS,
  THROUGHPUT_SERVER_MAX_SECONDS,
} from '../lab/measurement.ts';
import { errorMessage } from '../lab/errors.ts';
import { Iperf3Error, latencyStats, parseIperf3, type Iperf3Result } from './iperf3.ts';
import type { CommandResult, DataPlaneScenario, LabProbe, PathInfo, RunOptions } from './probe.ts';
import { CheckFailure } from './types.ts';

/** Which way the data went, named by the lab's two ends whatever end measured. */
export type Direction = 'client→cluster' | 'cluster→client';

export interface DirectionFigures {
  direction: Direction;
  /** What the receiver got: the throughput the path carried. */
  mbps: number;
  /** TCP retransmits of the sender; null where iperf3 does not report them. */
  retransmits: number | null;
  seconds: number;
}

export interface LatencyFigures {
  probes: number;
  answered: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
}

/** What the report keeps of a scenario's measurement: plain JSON. */
export interface ScenarioMeasurement {
  scenario: DataPlaneScenario;
  /** What these figures are measurements of (the probe's measurementLabel). */
  label: string;
  server: string;
  directions: DirectionFigures[];
  latency: LatencyFigures | null;
  path: { mode: PathInfo['mode']; derpRegion: string | null; detail: string };
  mtu: number | null;
  /** Set when the server could not be stopped (it still ends at its bound). */
  cleanup?: string;
}

/** Thresholds a user may set; absent means report only. */
export interface MeasurementThresholds {
  minThroughputMbps?: number;
  /** Compared with the 90th percentile of the round trips: one slow handshake of twenty does not fail a lab. */
  maxLatencyMs?: number;
}

/** The script's sections: each starts with a line of its own. */
const SECTION = { latency: '--- tslab:latency', forward: '--- tslab:forward', reverse: '--- tslab:reverse' };

export interface MeasurementScriptOptions {
  server: { host: string; port: number };
  /** An HTTP URL on the far end whose TCP handshakes are timed (the scenario's nginx). */
  latencyUrl: string;
  seconds?: number;
  probes?: number;
}

/** An address or a DNS name: all a server's host can be, and nothing that could leave the script's quotes. */
const HOST = /^[A-Za-z0-9.:-]+$/;

/**
 * The measuring end's script. Latency first, on an idle path; then iperf3 forward (the measuring end sends) and
 * reverse (-R), the first second of each left out (slow start). Every command is bounded: curl by --max-time, iperf3
 * by its connect timeout and `timeout`; the whole within MEASUREMENT_SCRIPT_MAX_SECONDS.
 */
export function measurementScript({
  server,
  latencyUrl,
  seconds = THROUGHPUT_SECONDS,
  probes = LATENCY_PROBES,
}: MeasurementScriptOptions): string {
  if (!HOST.test(server.host))
    throw new Error(`not an address or a host name: ${JSON.stringify(server.host)}`);
  const bound = THROUGHPUT_OMIT_SECONDS + seconds + IPERF3_SLACK_SECONDS;
  const iperf = (reverse: boolean) =>
    `timeout ${bound} iperf3 -c '${server.host}' -p ${server.port} -t ${seconds} -O ${THROUGHPUT_OMIT_SECONDS} -i 0 -J --connect-timeout 5000${reverse ? ' -R' : ''}`;
  return [
    'export LC_ALL=C',
    `echo '${SECTION.latency}'`,
    `for i in $(seq 1 ${probes}); do`,
    // time_connect less time_namelookup is the handshake alone: SYN out, SYN-ACK back, through every hop.
    `  curl -s -o /dev/null --max-time ${LATENCY_PROBE_TIMEOUT_S} -w '%{time_namelookup} %{time_connect}\\n' '${latencyUrl}' || true`,
    'done',
    `echo '${SECTION.forward}'`,
    iperf(false),
    `sleep ${IPERF3_PAUSE_SECONDS}`,
    `echo '${SECTION.reverse}'`,
    iperf(true),
    'exit 0',
  ].join('\n');
}

export interface ParsedMeasurement {
  forward: Iperf3Result | Iperf3Error;
  reverse: Iperf3Result | Iperf3Error;
  latencySamplesMs: number[];
}

export function parseMeasurementOutput(stdout: string): ParsedMeasurement {
  const sections = new Map<string, string[]>();
  let current: string | undefined;
  for (const line of stdout.split('\n')) {
    const name = Object.entries(SECTION).find(([, marker]) => line.trim() === marker)?.[0];
    if (name) {
      current = name;
      sections.set(name, []);
    } else if (current) sections.get(current)!.push(line);
  }
  const iperf = (name: 'forward' | 'reverse') => {
    const text = sections.get(name)?.join('\n') ?? '';
    try {
      return parseIperf3(text);
    } catch (error) {
      if (error instanceof Iperf3Error) return error;
      throw error;
    }
  };
  const latencySamplesMs = (sections.get('latency') ?? []).flatMap((line) => {
    const [lookup, connect] = line.trim().split(/\s+/).map(Number);
    // curl reports 0 for a handshake that never completed.
    if (lookup === undefined || connect === undefined || !(connect > 0) || !(connect >= lookup)) return [];
    return [round((connect - lookup) * 1000)];
  });
  return { forward: iperf('forward'), reverse: iperf('reverse'), latencySamplesMs };
}

/** Where each scenario's ends are: who measures, where the server is, what URL times the handshakes. */
function ends(lab: LabConfig, probe: LabProbe, scenario: DataPlaneScenario) {
  return scenario === 'subnet-router'
    ? {
        run: (script: string, options: RunOptions) => probe.runOnClient(script, options),
        forward: 'client→cluster' as const,
        reverse: 'cluster→client' as const,
        latencyUrl: `http://${lab.workloads.nginxFqdn}/`,
        path: () => probe.pathToRouter(),
      }
    : {
        run: (script: string, options: RunOptions) => probe.runInCluster(script, options),
        forward: 'cluster→client' as const,
        reverse: 'client→cluster' as const,
        latencyUrl: `http://${lab.workloads.egressFqdn}/`,
        path: () => probe.pathToEgressProxy(),
      };
}

/**
 * Measures one scenario and judges it against the thresholds. Throws CheckFailure (with the figures as evidence)
 * when a direction carried nothing or a threshold is missed; the server is stopped whatever happens.
 */
export async function measureScenario(
  lab: LabConfig,
  probe: LabProbe,
  scenario: DataPlaneScenario,
  thresholds: MeasurementThresholds = {},
): Promise<ScenarioMeasurement> {
  const end = ends(lab, probe, scenario);
  const server = await probe.startThroughputServer(scenario, {
    port: THROUGHPUT_PORT,
    maxSeconds: THROUGHPUT_SERVER_MAX_SECONDS,
  });
  let output: CommandResult;
  try {
    const script = measurementScript({
      server: { host: server.host, port: server.port },
      latencyUrl: end.latencyUrl,
    });
    output = await end.run(script, { timeoutMs: (MEASUREMENT_SCRIPT_MAX_SECONDS + 10) * 1000 });
  } catch (error) {
    // What went wrong with the run is the news; a failed stop is said beside it, never instead of it.
    const stopped = await server.stop().then(
      () => '',
      (stopError: unknown) => `; the server was not stopped either (${errorMessage(stopError)})`,
    );
    throw new Error(`${errorMessage(error)}${stopped}`, { cause: error });
  }
  // The server ends at its own bound anyway: a failed stop is reported with the figures, not in their place.
  const cleanup = await server.stop().then(
    () => null,
    (stopError: unknown) =>
      `the server was not stopped (${errorMessage(stopError)}); it ends by itself within ${THROUGHPUT_SERVER_MAX_SECONDS} s`,
  );
  const [path, mtu] = await Promise.all([
    end.path().catch((error: unknown): PathInfo => ({ mode: 'unknown', detail: errorMessage(error) })),
    probe.tunnelMtu().catch(() => null),
  ]);
  const parsed = parseMeasurementOutput(output.stdout);
  const latency = latencyStats(parsed.latencySamplesMs);
  const measurement: ScenarioMeasurement = {
    scenario,
    label: probe.measurementLabel,
    server: server.where,
    directions: [],
    latency: latency
      ? {
          probes: LATENCY_PROBES,
          answered: latency.count,
          p50Ms: latency.p50Ms,
          p90Ms: latency.p90Ms,
          p99Ms: latency.p99Ms,
        }
      : null,
    path: { mode: path.mode, derpRegion: path.derpRegion ?? null, detail: path.detail },
    mtu,
    ...(cleanup ? { cleanup } : {}),
  };
  const problems: string[] = [];
  for (const [which, result] of [
    [end.forward, parsed.forward],
    [end.reverse, parsed.reverse],
  ] as const) {
    if (result instanceof Iperf3Error) {
      problems.push(`${which}: ${result.message}`);
      continue;
    }
    measurement.directions.push({
      direction: which,
      mbps: round(result.receivedMbps),
      retransmits: result.retransmits ?? null,
      seconds: round(result.durationSeconds),
    });
  }
  if (problems.length) {
    const stderr = output.stderr.trim();
    throw new CheckFailure(
      `${scenario} throughput not measured (${problems.join('; ')})${stderr ? `: ${stderr.slice(0, 300)}` : ''}`,
      { ...measurement },
    );
  }
  problems.push(...judge(measurement, thresholds));
  if (problems.length) throw new CheckFailure(problems.join('; '), { ...measurement, thresholds });
  return measurement;
}

/** The thresholds a measurement misses, each with the figure and the threshold; empty when it meets them. */
export function judge(measurement: ScenarioMeasurement, thresholds: MeasurementThresholds): string[] {
  const problems: string[] = [];
  for (const d of measurement.directions) {
    if (d.mbps <= 0) problems.push(`${d.direction} carried nothing (0 Mbit/s)`);
    else if (thresholds.minThroughputMbps !== undefined && d.mbps < thresholds.minThroughputMbps)
      problems.push(
        `${d.direction} carried ${d.mbps} Mbit/s, below min-throughput-mbps ${thresholds.minThroughputMbps}`,
      );
  }
  if (thresholds.maxLatencyMs !== undefined) {
    const lost = measurement.latency ? measurement.latency.probes - measurement.latency.answered : 0;
    if (!measurement.latency)
      problems.push(`no round trip answered, max-latency-ms ${thresholds.maxLatencyMs} cannot be met`);
    // A probe that never came back is not a fast one: the percentiles of the answered ones cannot speak for it.
    else if (lost > 0)
      problems.push(
        `${lost} of ${measurement.latency.probes} round trips got no answer within ${LATENCY_PROBE_TIMEOUT_S} s, max-latency-ms ${thresholds.maxLatencyMs} cannot be judged`,
      );
    else if (measurement.latency.p90Ms > thresholds.maxLatencyMs)
      problems.push(
        `p90 round trip ${measurement.latency.p90Ms} ms exceeds max-latency-ms ${thresholds.maxLatencyMs}`,
      );
  }
  return problems;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
