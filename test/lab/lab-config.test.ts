import { describe, expect, it } from 'vitest';
import { resolveLab } from '../../src/lab/config.ts';
import { LabConfigError } from '../../src/lab/errors.ts';
import { overlaps, parseCidr } from '../../src/lab/cidr.ts';

function issuesOf(input: unknown, options = {}): { field: string; value: unknown; rule: string }[] {
  try {
    resolveLab(input, options);
  } catch (error) {
    expect(error).toBeInstanceOf(LabConfigError);
    return [...(error as LabConfigError).issues];
  }
  throw new Error('expected the input to be rejected');
}

describe('lab config', () => {
  it('derives a complete lab from its name alone with the cheap defaults', () => {
    const lab = resolveLab({ lab: 'demo' }, { now: new Date('2026-11-27T10:00:00Z') });
    expect(lab.cluster).toMatchObject({ name: 'tslab-demo', nodeInstanceType: 't3.medium', nodeCount: 2 });
    expect(lab.lifecycle.expiresAt).toBe('2026-11-27T14:00:00Z');
    expect(lab.tags).toMatchObject({
      'tslab:lab': 'demo',
      'tslab:expires-at': '2026-11-27T14:00:00Z',
      'tslab:owner': 'tslab',
    });
    expect(lab.network.kubeDnsIp.endsWith('.10')).toBe(true);
    expect(lab.azs).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
  });

  it('names the field, the value and the rule of a bad lab name', () => {
    const [issue] = issuesOf({ lab: 'Bad_Name!' });
    expect(issue).toMatchObject({ field: 'lab', value: 'Bad_Name!' });
    expect(issue!.rule).toMatch(/DNS label/);
  });

  it('rejects every bad field at once', () => {
    const fields = issuesOf({ lab: 'ok', nodeCount: 0, engine: 'pulumi', region: 'mars', extra: 1 }).map(
      (i) => i.field,
    );
    expect(fields).toEqual(expect.arrayContaining(['nodeCount', 'engine', 'region', 'extra']));
  });

  it.each([
    ['100.64.0.0/16', /CGNAT/],
    ['100.100.0.0/16', /CGNAT/],
    ['10.1.0.1/16', /host bits/],
    ['8.8.0.0/16', /RFC 1918/],
    ['10.0.0.0/8', /\/16 and \/20/],
  ])('rejects VPC CIDR %s', (vpcCidr, rule) => {
    const issue = issuesOf({ lab: 'x1', vpcCidr }).find((i) => i.field === 'vpcCidr');
    expect(issue?.value).toBe(vpcCidr);
    expect(issue?.rule).toMatch(rule);
  });

  it('rejects the tailnet IPv6 range and a service CIDR inside the VPC', () => {
    expect(issuesOf({ lab: 'x1', serviceCidr: 'fd7a:115c:a1e0:ab::/64' })[0]!.rule).toMatch(/tailnet IPv6/);
    expect(issuesOf({ lab: 'x1', vpcCidr: '10.1.0.0/16', serviceCidr: '10.1.128.0/18' })[0]!.rule).toMatch(
      /must not overlap vpcCidr/,
    );
  });

  it('gives two labs in different slots disjoint routes, and refuses a second lab on a taken slot', () => {
    const a = resolveLab({ lab: 'pr-7' });
    const b = resolveLab({ lab: 'pr-8' });
    expect(a.slot).toBe(7);
    for (const ra of a.tailnet.ownedRanges) {
      for (const rb of b.tailnet.ownedRanges) expect(overlaps(parseCidr(ra), parseCidr(rb))).toBe(false);
    }
    expect(a.cluster.dnsDomain).not.toBe(b.cluster.dnsDomain);
    expect(a.tailnet.slotTag).not.toBe(b.tailnet.slotTag);
    const clash = issuesOf(
      { lab: 'other', slot: 7 },
      { otherLabs: [{ id: 'pr-7', routes: a.tailnet.connectorRoutes }] },
    );
    expect(clash[0]).toMatchObject({ field: 'vpcCidr' });
    expect(clash[0]!.rule).toMatch(/lab 'pr-7'/);
  });

  it('has the client advertise the control-plane subnets and nothing else (no VPC resolver /32)', () => {
    const lab = resolveLab({ lab: 'demo' });
    expect(lab.tailnet.clientRoutes).toEqual(lab.network.controlPlaneSubnets);
    expect(lab.tailnet.clientRoutes).not.toContain(lab.network.vpcCidr.replace(/0\/16$/, '2/32'));
  });

  it('never lets the client and the Connector of one lab advertise overlapping routes', () => {
    const lab = resolveLab({ lab: 'demo' });
    for (const c of lab.tailnet.clientRoutes) {
      for (const r of lab.tailnet.connectorRoutes) expect(overlaps(parseCidr(c), parseCidr(r))).toBe(false);
    }
    const own = parseCidr(lab.network.clientSubnet);
    for (const r of lab.tailnet.connectorRoutes) expect(overlaps(own, parseCidr(r))).toBe(false);
  });

  it('keeps every derived name within its AWS and Tailscale limit for the longest lab id', () => {
    const lab = resolveLab({ lab: 'a'.repeat(20) });
    expect(`${lab.cluster.name}-node-`.length).toBeLessThanOrEqual(38); // IAM name_prefix limit
    expect(lab.client.hostname.length).toBeLessThanOrEqual(63);
    expect(`ts-${lab.tailnet.connectorName}-`.length).toBeLessThanOrEqual(52); // operator StatefulSet prefix
    expect(issuesOf({ lab: 'a'.repeat(21) })[0]!.field).toBe('lab');
  });
});
