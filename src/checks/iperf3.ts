// Reads iperf3's JSON report (`iperf3 -c … -J`): what arrived per second, retransmits, which way the data went.
// Checked against real output captured here (test/fixtures/iperf3/).
import { z } from 'zod';

export interface Iperf3Result {
  /** forward: the client sent; reverse (-R): the server sent. */
  direction: 'forward' | 'reverse';
  protocol: string;
  durationSeconds: number;
  /** What the receiver got, in Mbit/s: the throughput the tunnel carried. */
  receivedMbps: number;
  sentMbps: number;
  /** TCP retransmits of the sender; undefined when iperf3 does not report them (UDP, some kernels). */
  retransmits: number | undefined;
  remote: { host: string; port: number } | undefined;
}

export class Iperf3Error extends Error {
  constructor(message: string) {
    super(`iperf3: ${message}`);
    this.name = 'Iperf3Error';
  }
}

const sum = z.object({
  bits_per_second: z.number(),
  seconds: z.number().optional(),
  retransmits: z.number().optional(),
});
const report = z.object({
  start: z.object({
    connected: z.array(z.object({ remote_host: z.string(), remote_port: z.number() })).default([]),
    test_start: z.object({ protocol: z.string(), duration: z.number(), reverse: z.number() }).optional(),
  }),
  end: z.object({ sum_sent: sum.optional(), sum_received: sum.optional() }),
  error: z.string().optional(),
});

export function parseIperf3(text: string): Iperf3Result {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Iperf3Error(`not a JSON report: ${text.trim().slice(0, 200) || 'no output'}`);
  }
  const parsed = report.safeParse(json);
  if (!parsed.success)
    throw new Iperf3Error(`unexpected report: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const { start, end, error } = parsed.data;
  if (error) throw new Iperf3Error(error);
  if (!end.sum_sent || !end.sum_received || !start.test_start)
    throw new Iperf3Error('the report has no totals');
  const remote = start.connected[0];
  return {
    direction: start.test_start.reverse ? 'reverse' : 'forward',
    protocol: start.test_start.protocol,
    durationSeconds: end.sum_received.seconds ?? start.test_start.duration,
    receivedMbps: end.sum_received.bits_per_second / 1e6,
    sentMbps: end.sum_sent.bits_per_second / 1e6,
    retransmits: end.sum_sent.retransmits,
    remote: remote ? { host: remote.remote_host, port: remote.remote_port } : undefined,
  };
}

export interface LatencyStats {
  count: number;
  minMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Nearest-rank percentiles of round-trip times; undefined for no sample. */
export function latencyStats(samplesMs: readonly number[]): LatencyStats | undefined {
  if (!samplesMs.length) return undefined;
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return {
    count: sorted.length,
    minMs: sorted[0]!,
    p50Ms: rank(50),
    p90Ms: rank(90),
    p99Ms: rank(99),
    maxMs: sorted.at(-1)!,
  };
}
