import { describe, expect, it } from 'vitest';
import { parseFlows } from '../../../src/targets/local/capture.ts';
import { forwardedRoutes, parseLinkMtu } from '../../../src/targets/local/probe.ts';
import { runProgram } from '../../../src/targets/local/netns-exec.ts';
import {
  parseAllowedIps,
  parseEndpoints,
  parseLatestHandshakes,
} from '../../../src/targets/local/wg-show.ts';

const ROUTER = '3OK9TW50Jg6haC24B+6Ri0wMCgNyW6Z+2kKpsiGqv1M=';
const EGRESS = 'vFFFz9XFoCgVKciCsaA4dRfbj59XtUvM4nLDANuQRyk=';

describe('wg show parsers', () => {
  it('reads the CIDRs accepted from each peer, and none for "(none)"', () => {
    const peers = parseAllowedIps(
      `${ROUTER}\t100.100.52.1/32 10.116.0.0/16 10.141.0.0/18\n${EGRESS}\t(none)\n`,
    );
    expect(peers.get(ROUTER)).toEqual(['100.100.52.1/32', '10.116.0.0/16', '10.141.0.0/18']);
    expect(peers.get(EGRESS)).toEqual([]);
  });

  it('reads handshake times, with 0 for a peer never handshaken', () => {
    const peers = parseLatestHandshakes(`${ROUTER}\t1764257213\n${EGRESS}\t0\n`);
    expect(peers.get(ROUTER)).toBe(1764257213);
    expect(peers.get(EGRESS)).toBe(0);
  });

  it('reads endpoints, undefined before a peer is known', () => {
    const peers = parseEndpoints(`${ROUTER}\t10.116.0.20:41641\n${EGRESS}\t(none)\n`);
    expect(peers.get(ROUTER)).toBe('10.116.0.20:41641');
    expect(peers.get(EGRESS)).toBeUndefined();
  });
});

describe('tcpdump flow parsing', () => {
  it('keeps distinct address pairs in first-seen order, dropping ports', () => {
    const output = [
      '15:26:53.100001 IP 100.100.52.3.45678 > 10.141.0.80.80: Flags [S], seq 1, win 64860, length 0',
      '15:26:53.100101 IP 10.141.0.80.80 > 100.100.52.3.45678: Flags [S.], seq 2, ack 2, win 65160, length 0',
      '15:26:53.100201 IP 100.100.52.3.45678 > 10.141.0.80.80: Flags [.], ack 1, win 507, length 0',
      '15:26:53.100301 IP 10.116.128.10.41643 > 10.116.0.20.41641: UDP, length 148',
      '15:26:53.100401 IP 10.116.0.20 > 10.116.0.21: ICMP echo request, id 1, seq 1, length 64',
      '3 packets captured',
    ].join('\n');
    expect(parseFlows(output)).toEqual([
      '100.100.52.3 → 10.141.0.80',
      '10.141.0.80 → 100.100.52.3',
      '10.116.128.10 → 10.116.0.20',
      '10.116.0.20 → 10.116.0.21',
    ]);
  });

  it('finds no flows in output without IPv4 packets', () => {
    expect(
      parseFlows('tcpdump: listening on eth0\nARP, Request who-has 10.0.0.1 tell 10.0.0.2, length 28\n'),
    ).toEqual([]);
  });
});

describe('router forwarding rules', () => {
  it('reads as advertised only the destinations accepted from the tailnet interface', () => {
    const rules = [
      '-P FORWARD ACCEPT',
      '-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-A FORWARD -d 10.100.64.0/18 -i wg-1a2b3c4d-r -o eth0 -j ACCEPT',
      '-A FORWARD -d 10.137.0.0/18 -i wg-1a2b3c4d-r -o eth0 -j ACCEPT',
      '-A FORWARD -d 192.0.2.0/24 -i eth0 -j ACCEPT',
      '-A FORWARD -d 198.51.100.0/24 -i wg-1a2b3c4d-r -j DROP',
      '-A FORWARD -i wg-1a2b3c4d-r -j DROP',
    ].join('\n');
    expect(forwardedRoutes(rules, 'wg-1a2b3c4d-r')).toEqual(['10.100.64.0/18', '10.137.0.0/18']);
  });
});

describe('command runner', () => {
  it('passes arguments as a list, so shell syntax in them stays literal', async () => {
    const result = await runProgram(['printf', '%s|', '$(echo injected)', 'a; b']);
    expect(result).toEqual({ exitCode: 0, stdout: '$(echo injected)|a; b|', stderr: '' });
  });

  it('reports a failing command by exit code instead of throwing', async () => {
    const result = await runProgram(['bash', '-c', 'echo oops >&2; exit 7']);
    expect(result.exitCode).toBe(7);
    expect(result.stderr).toBe('oops\n');
  });

  it('rejects when the program does not exist', async () => {
    await expect(runProgram(['tslab-no-such-program'])).rejects.toThrow(
      /Could not run tslab-no-such-program/,
    );
  });
});

describe('ip link MTU parsing', () => {
  it('reads the MTU of the one link `ip -j link show dev` reports', () => {
    const link =
      '[{"ifindex":4,"ifname":"wg-1a2b3c4d-c","flags":["POINTOPOINT","NOARP","UP","LOWER_UP"],"mtu":1420,"qdisc":"fq_codel","operstate":"UNKNOWN","link_type":"none"}]';
    expect(parseLinkMtu(link)).toBe(1420);
  });

  it('refuses output that is not exactly one link with a whole MTU', () => {
    expect(() => parseLinkMtu('[]')).toThrow(/no MTU for one link/);
    expect(() => parseLinkMtu('[{"mtu":1420},{"mtu":1500}]')).toThrow(/no MTU/);
    expect(() => parseLinkMtu('[{"ifname":"wg0"}]')).toThrow(/no MTU/);
    expect(() => parseLinkMtu('[{"mtu":"1420"}]')).toThrow(/no MTU/);
    expect(() => parseLinkMtu('Device "wg0" does not exist.')).toThrow(/no MTU.*does not exist/);
  });
});
