// At provision on AWS, EKS's DescribeClusterVersions answer wins over tslab's calendar: it picks the default and it
// can refuse a version the calendar would take.
import { DescribeClusterVersionsCommand, EKSClient } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { settleKubernetesVersion } from '../../../src/targets/aws/eks-versions.ts';
import { resolveLab } from '../../../src/lab/config.ts';
import { LabConfigError } from '../../../src/lab/errors.ts';

const eksMock = mockClient(EKSClient);
const eks = new EKSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
beforeEach(() => eksMock.reset());

// Created today (2026-12-02), expiring 23:00Z: the calendar's default is 1.36.
const lab = (input: Record<string, unknown> = {}) =>
  resolveLab({ lab: 'demo', region: 'eu-west-1', createdAt: '2026-12-02T21:00:00Z', ttlHours: 2, ...input });

const day = (d: string) => new Date(`${d}T00:00:00Z`);
const STANDARD = 'STANDARD_SUPPORT' as const;
const EXTENDED = 'EXTENDED_SUPPORT' as const;

async function failure(promise: Promise<unknown>): Promise<LabConfigError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(LabConfigError);
  return error as LabConfigError;
}

describe('settleKubernetesVersion', () => {
  it('asks EKS for the versions it offers (all pages) and takes its newest in standard support past the expiry', async () => {
    eksMock
      .on(DescribeClusterVersionsCommand)
      .resolvesOnce({
        clusterVersions: [
          { clusterVersion: '1.34', versionStatus: EXTENDED, endOfStandardSupportDate: day('2026-12-02') },
        ],
        nextToken: 'page-2',
      })
      .resolvesOnce({
        clusterVersions: [
          { clusterVersion: '1.35', versionStatus: STANDARD, endOfStandardSupportDate: day('2027-03-27') },
          // EKS does not offer 1.36 here yet, whatever the calendar says.
        ],
      });
    expect(lab().cluster.kubernetesVersion).toBe('1.36');
    const settled = await settleKubernetesVersion(lab(), eks);
    expect(settled.cluster.kubernetesVersion).toBe('1.35');
    expect(settled.provisional.kubernetesVersion).toBe(false);
    expect(eksMock.commandCalls(DescribeClusterVersionsCommand).map((c) => c.args[0].input)).toEqual([
      { clusterType: 'eks' },
      { clusterType: 'eks', nextToken: 'page-2' },
    ]);
  });

  it('takes a version EKS offers that the calendar does not know yet', async () => {
    eksMock.on(DescribeClusterVersionsCommand).resolves({
      clusterVersions: [
        { clusterVersion: '1.36', versionStatus: STANDARD, endOfStandardSupportDate: day('2027-08-02') },
        { clusterVersion: '1.37', versionStatus: STANDARD, endOfStandardSupportDate: day('2027-12-02') },
      ],
    });
    expect((await settleKubernetesVersion(lab(), eks)).cluster.kubernetesVersion).toBe('1.37');
  });

  it('reads the deprecated lower-case status of older answers', async () => {
    eksMock.on(DescribeClusterVersionsCommand).resolves({
      clusterVersions: [
        { clusterVersion: '1.36', status: 'extended-support', endOfStandardSupportDate: day('2027-08-02') },
        { clusterVersion: '1.35', status: 'standard-support', endOfStandardSupportDate: day('2027-03-27') },
      ],
    });
    expect((await settleKubernetesVersion(lab(), eks)).cluster.kubernetesVersion).toBe('1.35');
  });

  it('refuses a given version EKS says leaves standard support before the lab expires, though the calendar took it', async () => {
    eksMock.on(DescribeClusterVersionsCommand).resolves({
      clusterVersions: [
        { clusterVersion: '1.35', versionStatus: STANDARD, endOfStandardSupportDate: day('2026-12-02') },
        { clusterVersion: '1.36', versionStatus: STANDARD, endOfStandardSupportDate: day('2027-08-02') },
      ],
    });
    const given = lab({ kubernetesVersion: '1.35' });
    expect(given.cluster.kubernetesVersion).toBe('1.35');
    const error = await failure(settleKubernetesVersion(given, eks));
    expect(error.message).toBe(
      'kubernetesVersion: "1.35" — is STANDARD_SUPPORT on EKS in eu-west-1, whose standard support for it ends ' +
        '2026-12-02, before the lab expires at 2026-12-02T23:00:00Z (labs never pay extended support); 1.36 is ' +
        'supported until then',
    );
  });

  it('refuses a given version EKS has in extended support or does not offer', async () => {
    eksMock.on(DescribeClusterVersionsCommand).resolves({
      clusterVersions: [
        { clusterVersion: '1.36', versionStatus: EXTENDED, endOfStandardSupportDate: day('2027-08-02') },
      ],
    });
    expect((await failure(settleKubernetesVersion(lab({ kubernetesVersion: '1.36' }), eks))).message).toMatch(
      /^kubernetesVersion: "1\.36" — is EXTENDED_SUPPORT on EKS in eu-west-1/,
    );
    expect((await failure(settleKubernetesVersion(lab({ kubernetesVersion: '1.35' }), eks))).message).toBe(
      'kubernetesVersion: "1.35" — is not offered by EKS in eu-west-1 (it offers 1.36 EXTENDED_SUPPORT to 2027-08-02)',
    );
  });

  it('keeps a given version EKS supports past the expiry', async () => {
    eksMock.on(DescribeClusterVersionsCommand).resolves({
      clusterVersions: [
        { clusterVersion: '1.35', versionStatus: STANDARD, endOfStandardSupportDate: day('2027-03-27') },
        { clusterVersion: '1.36', versionStatus: STANDARD, endOfStandardSupportDate: day('2027-08-02') },
      ],
    });
    expect(
      (await settleKubernetesVersion(lab({ kubernetesVersion: '1.35' }), eks)).cluster.kubernetesVersion,
    ).toBe('1.35');
  });

  it('fails with no default when EKS offers nothing in standard support until the expiry', async () => {
    eksMock.on(DescribeClusterVersionsCommand).resolves({ clusterVersions: [] });
    expect((await failure(settleKubernetesVersion(lab(), eks))).message).toBe(
      'kubernetesVersion: undefined — has no default: EKS in eu-west-1 offers no version in standard support until ' +
        'the lab expires at 2026-12-02T23:00:00Z (it offers none)',
    );
  });
});
