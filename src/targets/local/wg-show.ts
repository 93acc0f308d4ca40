// Parsers for `wg show <interface> <field>` output: one line per peer, the peer's public key then
// tab-separated values.

/**
 * `wg show <if> allowed-ips`: public key → the CIDRs the interface accepts from (and routes to) that peer.
 */
export function parseAllowedIps(output: string): Map<string, string[]> {
  const peers = new Map<string, string[]>();
  for (const [key, value] of peerLines(output)) {
    peers.set(key, value === '(none)' ? [] : value.split(/\s+/).filter(Boolean));
  }
  return peers;
}

/** `wg show <if> latest-handshakes`: public key → Unix seconds of the last handshake (0: never). */
export function parseLatestHandshakes(output: string): Map<string, number> {
  const peers = new Map<string, number>();
  for (const [key, value] of peerLines(output)) peers.set(key, Number.parseInt(value, 10) || 0);
  return peers;
}

/** `wg show <if> endpoints`: public key → "ip:port", or undefined before the peer is known. */
export function parseEndpoints(output: string): Map<string, string | undefined> {
  const peers = new Map<string, string | undefined>();
  for (const [key, value] of peerLines(output)) peers.set(key, value === '(none)' ? undefined : value);
  return peers;
}

function* peerLines(output: string): Generator<[string, string]> {
  for (const line of output.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab <= 0) continue;
    yield [line.slice(0, tab).trim(), line.slice(tab + 1).trim()];
  }
}
