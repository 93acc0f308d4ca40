// The iperf3 report parser against real reports captured on this machine (test/fixtures/iperf3/README.md), and the
// latency percentiles the throughput checks will report.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Iperf3Error, latencyStats, parseIperf3 } from '../../src/checks/iperf3.ts';

const sample = (name: string) => readFileSync(`test/fixtures/iperf3/${name}.json`, 'utf8');

describe('iperf3 reports', () => {
  it('are the captures their README records, byte for byte', () => {
    const readme = readFileSync('test/fixtures/iperf3/README.md', 'utf8');
    for (const name of ['tcp-forward', 'tcp-reverse', 'refused']) {
      const digest = createHash('sha256').update(sample(name)).digest('hex');
      expect(readme, name).toContain(`| \`${name}.json\` |`);
      expect(readme, name).toContain(digest);
    }
  });

  it('reads a forward TCP run: what arrived, what was sent, retransmits, the server it reached', () => {
    const result = parseIperf3(sample('tcp-forward'));
    expect(result).toMatchObject({
      direction: 'forward',
      protocol: 'TCP',
      retransmits: 0,
      remote: { host: '127.0.0.1', port: 5299 },
    });
    // 40.7 Gbit/s over loopback in the capture: bits per second turned into Mbit/s.
    expect(result.receivedMbps).toBeCloseTo(40_703.52, 1);
    expect(result.sentMbps).toBeCloseTo(40_704.07, 1);
    expect(result.durationSeconds).toBeCloseTo(2, 1);
  });

  it('tells a reverse run (-R: the server sends) from a forward one', () => {
    const result = parseIperf3(sample('tcp-reverse'));
    expect(result.direction).toBe('reverse');
    expect(result.receivedMbps).toBeCloseTo(38_345.34, 1);
  });

  it("reports iperf3's own error, and output that is no report at all", () => {
    expect(() => parseIperf3(sample('refused'))).toThrow(
      new Iperf3Error('unable to connect to server: Connection refused'),
    );
    expect(() => parseIperf3('iperf3: error - the server is busy running a test')).toThrow(
      /not a JSON report: iperf3/,
    );
    expect(() => parseIperf3('{"start":{},"end":{}}')).toThrow(/the report has no totals/);
  });
});

describe('latency percentiles', () => {
  it('are nearest-rank over the probes, whatever their order', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(latencyStats(samples)).toEqual({
      count: 100,
      minMs: 1,
      p50Ms: 50,
      p90Ms: 90,
      p99Ms: 99,
      maxMs: 100,
    });
    expect(latencyStats([7])).toEqual({ count: 1, minMs: 7, p50Ms: 7, p90Ms: 7, p99Ms: 7, maxMs: 7 });
    expect(latencyStats([])).toBeUndefined();
  });
});
