// Reads `tailscale ping` output: as the lab guide observed (docs/design/lab.md §3), the first pongs come via DERP,
// then (maybe) a direct path.
import type { PathInfo } from './probe.ts';

/** The last pong decides: that is the path the tunnel settled on. */
export function parseTailscalePing(output: string): PathInfo {
  const pongs = output.split('\n').filter((line) => line.startsWith('pong from'));
  const last = pongs.at(-1);
  if (!last) return { mode: 'unknown', detail: output.trim().split('\n').at(-1) ?? 'no pong' };
  const latency = /in ([\d.]+)ms/.exec(last);
  const latencyMs = latency ? Number(latency[1]) : undefined;
  const mode = /via DERP\(/.test(last) ? 'derp' : /via peer-relay/.test(last) ? 'peer-relay' : 'direct';
  const relayedFirst = pongs.length > 1 && mode === 'direct' && pongs.some((p) => /via DERP\(/.test(p));
  return {
    mode,
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    detail: `${last}${relayedFirst ? ` (after ${pongs.filter((p) => /via DERP\(/.test(p)).length} pong(s) via DERP)` : ''}`,
  };
}
