// Reads `tailscale ping` output: as the lab guide observed (docs/design/lab.md §3), the first pongs come via DERP,
// then (maybe) a direct path. Each pong is one line, printed by cmd/tailscale/cli/ping.go (tailscale v1.102.3) as
//   pong from <node> (<tailnet IP>[, <peerapi port>]) via <path> in <latency>
// where <path> is `DERP(<region code>)`, `peer-relay(<ip>:<port>:vni:<n>)` or the direct `<ip>:<port>`, and
// <latency> a Go duration rounded to the millisecond ("23ms", "1.204s", "0s").
import type { PathInfo } from './probe.ts';

export interface Pong {
  node: string;
  nodeIp: string;
  /** unknown: a TSMP or ICMP pong names its protocol, not a path. */
  mode: PathInfo['mode'];
  /** DERP pongs: the region's code. */
  derpRegion?: string;
  /** Direct pongs: the peer's ip:port; peer-relay pongs: the relay's ip:port:vni:<n>. */
  endpoint?: string;
  latencyMs: number | undefined;
  line: string;
}

const PONG = /^pong from (\S+) \(([^,)]+)(?:, \d+)?\) via (\S+) in (\S+)$/;

export function parsePong(line: string): Pong | undefined {
  const match = PONG.exec(line.trim());
  if (!match) return undefined;
  const [, node, nodeIp, via, latency] = match as unknown as [string, string, string, string, string];
  const derp = /^DERP\(([^)]*)\)$/.exec(via);
  const relay = /^peer-relay\(([^)]*)\)$/.exec(via);
  const base = { node, nodeIp, latencyMs: goDurationMs(latency), line: line.trim() };
  if (derp) return { ...base, mode: 'derp', ...(derp[1] ? { derpRegion: derp[1] } : {}) };
  if (relay) return { ...base, mode: 'peer-relay', endpoint: relay[1]! };
  if (!via.includes(':')) return { ...base, mode: 'unknown' };
  return { ...base, mode: 'direct', endpoint: via };
}

/** The last pong decides: that is the path the tunnel settled on. */
export function parseTailscalePing(output: string): PathInfo {
  const pongs = output.split('\n').flatMap((line) => parsePong(line) ?? []);
  const last = pongs.at(-1);
  if (!last) return { mode: 'unknown', detail: output.trim().split('\n').at(-1) || 'no pong' };
  const relayedBefore = pongs.slice(0, -1).filter((p) => p.mode !== last.mode);
  const before = relayedBefore.length ? ` (after ${describeEarlier(relayedBefore)})` : '';
  return {
    mode: last.mode,
    ...(last.derpRegion !== undefined ? { derpRegion: last.derpRegion } : {}),
    ...(last.latencyMs !== undefined ? { latencyMs: last.latencyMs } : {}),
    detail: `${last.line}${before}`,
  };
}

/** "2 pong(s) via DERP", "1 pong(s) via DERP, 1 pong(s) via peer-relay": how the path got to where it settled. */
function describeEarlier(pongs: Pong[]): string {
  const counts = new Map<string, number>();
  for (const pong of pongs) {
    const label = pong.mode === 'derp' ? 'DERP' : pong.mode;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts].map(([label, n]) => `${n} pong(s) via ${label}`).join(', ');
}

const UNIT_MS: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 0.001,
  µs: 0.001,
  μs: 0.001,
  ns: 0.000001,
};

/** A Go time.Duration string ("1m2.5s", "23ms", "0s") in milliseconds; undefined if it is not one. */
export function goDurationMs(text: string): number | undefined {
  if (text === '0' || text === '0s') return 0;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|μs|ns)/gu)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== text) return undefined;
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]!]!, 0);
  return Math.round(ms * 1000) / 1000;
}
