import { describe, expect, it } from 'vitest';
import {
  assertLocalPreflight,
  LocalPreflightError,
  localPreflight,
  REQUIRED_PROGRAMS,
  systemEnvironment,
  TUN_DEVICE,
  type PreflightEnvironment,
} from '../../../src/targets/local/preflight.ts';

function environment(
  overrides: Partial<PreflightEnvironment> & { missing?: string[] } = {},
): PreflightEnvironment {
  const { missing = [], ...rest } = overrides;
  return {
    uid: 0,
    findProgram: (name) => (missing.includes(name) ? undefined : `/usr/bin/${name}`),
    fileExists: () => true,
    tryNamespace: () => undefined,
    ...rest,
  };
}

describe('local lab preflight', () => {
  it('passes a root machine with every program, the TUN device and working namespaces', () => {
    expect(localPreflight(environment())).toEqual([]);
    expect(() => assertLocalPreflight(environment())).not.toThrow();
  });

  it('names the missing programs and the exact apt-get command for their packages', () => {
    const problems = localPreflight(environment({ missing: ['wireguard-go', 'wg', 'dnsmasq', 'ss', 'ip'] }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('missing programs: ip, ss, wireguard-go, wg, dnsmasq');
    expect(problems[0]).toContain('apt-get install -y iproute2 wireguard-go wireguard-tools dnsmasq-base');
  });

  it('says root is needed, and does not try namespaces without it', () => {
    let tried = false;
    const problems = localPreflight(
      environment({
        uid: 1000,
        tryNamespace: () => {
          tried = true;
          return undefined;
        },
      }),
    );
    expect(problems).toEqual([expect.stringMatching(/^must run as root: .*sudo/)]);
    expect(tried).toBe(false);
  });

  it('reports a missing TUN device and broken namespaces with what to do', () => {
    const problems = localPreflight(
      environment({
        fileExists: (path) => path !== TUN_DEVICE,
        tryNamespace: () => 'Operation not permitted',
      }),
    );
    expect(problems).toEqual([
      expect.stringContaining(`${TUN_DEVICE} does not exist`),
      expect.stringContaining("'ip netns add' does not work here (Operation not permitted)"),
    ]);
  });

  it('throws one error listing every problem', () => {
    const run = () => assertLocalPreflight(environment({ uid: 1000, missing: ['tcpdump'] }));
    expect(run).toThrow(LocalPreflightError);
    expect(run).toThrow(/must run as root[\s\S]*apt-get install -y tcpdump/);
  });

  it('finds sbin programs even when PATH leaves sbin out', () => {
    const env = systemEnvironment('/nonexistent-bin');
    expect(env.findProgram('ip')).toMatch(/\/sbin\/ip$/);
    expect(env.findProgram('tslab-no-such-program')).toBeUndefined();
  });

  it('maps every required program to a Debian package', () => {
    for (const [program, pkg] of Object.entries(REQUIRED_PROGRAMS))
      expect(pkg, program).toMatch(/^[a-z0-9.+-]+$/);
  });
});
