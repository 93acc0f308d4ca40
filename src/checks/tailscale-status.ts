// Reads the path to one peer from `tailscale status --json`: the CLI marshals ipnstate.Status (tailscale v1.102.3,
// ipn/ipnstate/ipnstate.go), whose Peer map holds a PeerStatus per peer with Go's field names as JSON keys. The path
// fields, as wgengine/magicsock (endpoint.go, populatePeerStatus) fills them:
// - Relay: the peer's home DERP region code, set whatever the path is;
// - CurAddr: the direct ip:port, set only while a direct UDP path is in use;
// - PeerRelay: the peer relay's ip:port:vni:<n>, set only while a peer relay is in use;
// - Active: a packet went to the peer in the last two minutes. Idle peers show no path at all.
// The order follows the CLI's own table (cmd/tailscale/cli/status.go): DERP only when neither other path is set.
import { z } from 'zod';
import type { PathInfo } from './probe.ts';

const peerSchema = z.object({
  HostName: z.string().default(''),
  DNSName: z.string().default(''),
  TailscaleIPs: z.array(z.string()).nullish(),
  CurAddr: z.string().default(''),
  Relay: z.string().default(''),
  // Absent from releases older than peer relays: no peer relay, then.
  PeerRelay: z.string().default(''),
  Active: z.boolean().default(false),
  Online: z.boolean().default(false),
});

const statusSchema = z.object({
  BackendState: z.string().default(''),
  Peer: z.record(z.string(), peerSchema).nullish(),
});

export type PeerPath = PathInfo & { peer: string };

/**
 * The path to the peer named `peer` (a tailnet IP, its hostname, or the first label of its MagicDNS name). Throws
 * when the output is not a status or no peer matches.
 */
export function parseTailscaleStatusPath(json: string, peer: string): PeerPath {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error(`tailscale status --json printed no JSON: ${json.trim().slice(0, 200) || '(nothing)'}`);
  }
  const parsed = statusSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`unexpected tailscale status --json output: ${parsed.error.issues[0]?.message}`);
  }
  const wanted = peer.toLowerCase();
  const found = Object.values(parsed.data.Peer ?? {}).find(
    (p) =>
      (p.TailscaleIPs ?? []).includes(peer) ||
      p.HostName.toLowerCase() === wanted ||
      p.DNSName.toLowerCase().split('.')[0] === wanted,
  );
  if (!found) {
    throw new Error(
      `no peer ${peer} in tailscale status (backend ${parsed.data.BackendState || 'state unknown'})`,
    );
  }
  const name = found.DNSName.replace(/\.$/, '') || found.HostName;
  const offline = found.Online ? '' : '; offline';
  if (!found.Active) {
    return {
      peer: name,
      mode: 'unknown',
      detail: `${name}: idle, no path in use${found.Relay ? ` (home DERP ${found.Relay})` : ''}${offline}`,
    };
  }
  if (found.CurAddr)
    return { peer: name, mode: 'direct', detail: `${name}: direct ${found.CurAddr}${offline}` };
  if (found.PeerRelay) {
    return { peer: name, mode: 'peer-relay', detail: `${name}: peer-relay ${found.PeerRelay}${offline}` };
  }
  if (found.Relay) {
    return {
      peer: name,
      mode: 'derp',
      derpRegion: found.Relay,
      detail: `${name}: relay "${found.Relay}"${offline}`,
    };
  }
  return { peer: name, mode: 'unknown', detail: `${name}: active, but no path reported${offline}` };
}
