// The path parsers against samples in the shapes tailscale v1.102.3 prints (test/fixtures/tailscale-output/README.md).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { goDurationMs, parsePong, parseTailscalePing } from '../../src/checks/tailscale-ping.ts';
import { parseTailscaleStatusPath } from '../../src/checks/tailscale-status.ts';

const sample = (name: string) =>
  readFileSync(new URL(`../fixtures/tailscale-output/${name}`, import.meta.url), 'utf8');

describe('tailscale ping', () => {
  it('settles on the direct path and says how many pongs came via DERP first', () => {
    const path = parseTailscalePing(sample('ping-direct-after-derp.txt'));
    expect(path).toEqual({
      mode: 'direct',
      latencyMs: 1,
      detail:
        'pong from tslab-demo-router (100.101.0.5) via 10.64.64.23:41641 in 1ms (after 2 pong(s) via DERP)',
    });
    expect(path).not.toHaveProperty('derpRegion');
  });

  it('names the DERP region of a relayed path and reads latencies past a second', () => {
    expect(parseTailscalePing(sample('ping-derp.txt'))).toEqual({
      mode: 'derp',
      derpRegion: 'fra',
      latencyMs: 1204,
      detail: 'pong from tslab-demo-egress (100.101.0.9) via DERP(fra) in 1.204s',
    });
  });

  it('recognises a peer relay, and keeps its address in the detail', () => {
    const path = parseTailscalePing(sample('ping-peer-relay.txt'));
    expect(path).toMatchObject({ mode: 'peer-relay', latencyMs: 3 });
    expect(path).not.toHaveProperty('derpRegion');
    expect(path.detail).toContain('peer-relay(10.64.0.40:40000:vni:7)');
    expect(path.detail).toContain('(after 1 pong(s) via DERP)');
  });

  it('reads a direct IPv6 endpoint', () => {
    expect(parsePong(sample('ping-direct-ipv6.txt').trim())).toMatchObject({
      mode: 'direct',
      endpoint: '[2600:1f18:4a3:6a00::17]:41641',
      node: 'tslab-demo-router',
      nodeIp: '100.101.0.5',
      latencyMs: 2,
    });
  });

  it('reports unknown with the last line when nothing answered', () => {
    expect(parseTailscalePing(sample('ping-no-reply.txt'))).toEqual({ mode: 'unknown', detail: 'no reply' });
    expect(parseTailscalePing('')).toEqual({ mode: 'unknown', detail: 'no pong' });
  });

  it('reads a TSMP pong (peerapi port, protocol instead of a path) as no path', () => {
    expect(parsePong('pong from r (100.101.0.5, 51234) via TSMP in 3ms')).toMatchObject({
      nodeIp: '100.101.0.5',
      mode: 'unknown',
      latencyMs: 3,
    });
  });

  it('reads Go durations as the CLI rounds them', () => {
    expect(goDurationMs('0s')).toBe(0);
    expect(goDurationMs('23ms')).toBe(23);
    expect(goDurationMs('1.204s')).toBe(1204);
    expect(goDurationMs('1m2.5s')).toBe(62_500);
    expect(goDurationMs('fast')).toBeUndefined();
    expect(goDurationMs('12msx')).toBeUndefined();
  });
});

describe('tailscale status --json', () => {
  const status = sample('status.json');

  it('finds a direct path by CurAddr, looking the peer up by hostname or tailnet IP', () => {
    const byName = parseTailscaleStatusPath(status, 'tslab-demo-router');
    expect(byName).toEqual({
      peer: 'tslab-demo-router.tail1234.ts.net',
      mode: 'direct',
      detail: 'tslab-demo-router.tail1234.ts.net: direct 10.64.64.23:41641',
    });
    expect(parseTailscaleStatusPath(status, '100.101.0.5')).toEqual(byName);
  });

  it('calls a path DERP only when neither a direct nor a peer-relay path is in use, with the region', () => {
    expect(parseTailscaleStatusPath(status, 'tslab-demo-egress')).toMatchObject({
      mode: 'derp',
      derpRegion: 'fra',
    });
  });

  it('recognises a peer relay even though the peer has a home DERP region', () => {
    const path = parseTailscaleStatusPath(status, 'tslab-demo-egress-0');
    expect(path).toMatchObject({ mode: 'peer-relay' });
    expect(path).not.toHaveProperty('derpRegion');
    expect(path.detail).toContain('10.64.0.40:40000:vni:7');
  });

  it('says unknown for an idle peer: no path is in use to read', () => {
    expect(parseTailscaleStatusPath(status, 'tslab-ci-runner')).toMatchObject({
      mode: 'unknown',
      detail: 'tslab-ci-runner.tail1234.ts.net: idle, no path in use (home DERP ord)',
    });
  });

  it('tolerates a release without PeerRelay and refuses what is not a status', () => {
    const old = JSON.parse(status) as { Peer: Record<string, Record<string, unknown>> };
    for (const peer of Object.values(old.Peer)) delete peer['PeerRelay'];
    expect(parseTailscaleStatusPath(JSON.stringify(old), 'tslab-demo-router').mode).toBe('direct');
    expect(() => parseTailscaleStatusPath(status, 'nobody')).toThrow(/no peer nobody.*backend Running/);
    expect(() => parseTailscaleStatusPath('Tailscale is stopped.', 'x')).toThrow(/printed no JSON/);
    expect(() => parseTailscaleStatusPath('{"Peer": []}', 'x')).toThrow(/unexpected/);
  });
});
