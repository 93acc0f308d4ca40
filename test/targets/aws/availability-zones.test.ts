// At provision on AWS, the lab's AZs are chosen by zone ID, skipping the IDs EKS refuses; given AZs are kept (and
// checked), and a re-run keeps the AZs its manifest recorded whatever the zones look like then.
import { DescribeAvailabilityZonesCommand, EC2Client, type AvailabilityZone } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { settleAvailabilityZones } from '../../../src/targets/aws/availability-zones.ts';
import { buildManifest } from '../../../src/engine/manifest.ts';
import { resolveLab } from '../../../src/lab/config.ts';
import { LabConfigError } from '../../../src/lab/errors.ts';
import { adoptManifest } from '../../../src/targets/lab-identity.ts';

const ec2Mock = mockClient(EC2Client);
const ec2 = new EC2Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
beforeEach(() => ec2Mock.reset());

const input = { lab: 'demo', stateBucket: 'tslab-state', createdAt: '2026-12-02T21:00:00Z', ttlHours: 2 };

function zone(name: string, id: string, extra: Partial<AvailabilityZone> = {}): AvailabilityZone {
  return {
    ZoneName: name,
    ZoneId: id,
    ZoneType: 'availability-zone',
    State: 'available',
    OptInStatus: 'opt-in-not-required',
    ...extra,
  };
}

// An account whose us-east-1a is use1-az3, the zone EKS refuses; names and IDs out of order.
const ZONES = [
  zone('us-east-1a', 'use1-az3'),
  zone('us-east-1b', 'use1-az10'),
  zone('us-east-1c', 'use1-az2'),
  zone('us-east-1d', 'use1-az1'),
  zone('us-east-1e', 'use1-az4', { State: 'impaired' }),
  zone('us-east-1f', 'use1-az5'),
  zone('us-east-1-bos-1a', 'use1-bos1-az1', { ZoneType: 'local-zone', OptInStatus: 'opted-in' }),
];

async function failure(promise: Promise<unknown>): Promise<LabConfigError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(LabConfigError);
  return error as LabConfigError;
}

describe('settleAvailabilityZones', () => {
  it('takes the first three zones by ID that are available, not opt-in, and not refused by EKS', async () => {
    ec2Mock.on(DescribeAvailabilityZonesCommand).resolves({ AvailabilityZones: ZONES });
    const offline = resolveLab(input);
    expect(offline.azs).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    expect(offline.provisional.azs).toBe(true);
    const settled = await settleAvailabilityZones(offline, ec2);
    // use1-az1, use1-az2, use1-az5 (az3 refused, az4 impaired, az10 sorts after az5).
    expect(settled.azs).toEqual(['us-east-1d', 'us-east-1c', 'us-east-1f']);
    expect(settled.provisional.azs).toBe(false);
  });

  it('keeps given AZs, refusing one EKS would refuse for its subnets', async () => {
    ec2Mock.on(DescribeAvailabilityZonesCommand).resolves({ AvailabilityZones: ZONES });
    const given = resolveLab({ ...input, azs: ['us-east-1f', 'us-east-1c', 'us-east-1a'] });
    // The third AZ holds only the client: EKS never sees it.
    expect((await settleAvailabilityZones(given, ec2)).azs).toEqual([
      'us-east-1f',
      'us-east-1c',
      'us-east-1a',
    ]);

    const refused = resolveLab({ ...input, azs: ['us-east-1a', 'us-east-1c', 'us-east-1d'] });
    expect((await failure(settleAvailabilityZones(refused, ec2))).message).toBe(
      'azs[0]: "us-east-1a" — is zone use1-az3, where EKS refuses cluster subnets; use one of us-east-1d, ' +
        'us-east-1c, us-east-1f, us-east-1b',
    );
    const impaired = resolveLab({ ...input, azs: ['us-east-1c', 'us-east-1e', 'us-east-1d'] });
    expect((await failure(settleAvailabilityZones(impaired, ec2))).issues[0]).toMatchObject({
      field: 'azs[1]',
      value: 'us-east-1e',
    });
  });

  it('fails when the region has fewer than three zones EKS accepts', async () => {
    ec2Mock.on(DescribeAvailabilityZonesCommand).resolves({
      AvailabilityZones: [
        zone('us-east-1a', 'use1-az3'),
        zone('us-east-1b', 'use1-az1'),
        zone('us-east-1c', 'use1-az2'),
      ],
    });
    const error = await failure(settleAvailabilityZones(resolveLab(input), ec2));
    expect(error.message).toMatch(
      /^azs: \["us-east-1b","us-east-1c"\] — needs 3 availability zones EKS supports in us-east-1; it has 2/,
    );
  });

  it('keeps a lab’s AZs on a re-run, whatever the zones look like then', async () => {
    ec2Mock.on(DescribeAvailabilityZonesCommand).resolves({ AvailabilityZones: ZONES });
    const first = await settleAvailabilityZones(resolveLab(input), ec2);
    const manifest = buildManifest(first);
    expect(manifest.azs).toEqual(['us-east-1d', 'us-east-1c', 'us-east-1f']);

    // Later, a zone with a lower ID appears: a fresh lab would take it; this lab must not move its subnets.
    ec2Mock.reset();
    ec2Mock
      .on(DescribeAvailabilityZonesCommand)
      .resolves({ AvailabilityZones: [...ZONES, zone('us-east-1g', 'use1-az0')] });
    expect((await settleAvailabilityZones(resolveLab(input), ec2)).azs[0]).toBe('us-east-1g');
    const rerun = adoptManifest(
      { lab: 'demo', stateBucket: 'tslab-state' },
      JSON.parse(JSON.stringify(manifest)),
    );
    expect(rerun.provisional.azs).toBe(false);
    expect((await settleAvailabilityZones(rerun, ec2)).azs).toEqual([
      'us-east-1d',
      'us-east-1c',
      'us-east-1f',
    ]);
  });
});
