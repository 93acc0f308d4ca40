// The EKS release calendar in the lab model: the default Kubernetes version is the newest in standard support until
// the lab expires, and a version that leaves standard support earlier is refused with its dates, before any cloud call.
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { buildManifest } from '../../src/engine/manifest.ts';
import { resolveLab } from '../../src/lab/config.ts';
import { LabConfigError } from '../../src/lab/errors.ts';
import { OPERATOR_CREDENTIAL_ENV } from '../../src/lab/stack-contract.ts';
import {
  byNewest,
  defaultKubernetesVersion,
  EKS_VERSIONS,
  KNOWN_VERSIONS,
} from '../../src/lab/eks-versions.ts';
import { adoptManifest } from '../../src/targets/lab-identity.ts';

function rejection(input: Record<string, unknown>): LabConfigError {
  try {
    resolveLab(input);
  } catch (error) {
    expect(error).toBeInstanceOf(LabConfigError);
    return error as LabConfigError;
  }
  throw new Error('expected the input to be rejected');
}

describe('the EKS calendar', () => {
  it('has each version released before its standard support ends, and that 14 months before extended support ends', () => {
    expect(KNOWN_VERSIONS).toEqual(['1.31', '1.32', '1.33', '1.34', '1.35', '1.36']);
    for (const v of EKS_VERSIONS) {
      expect(v.released < v.endOfStandardSupport, v.version).toBe(true);
      expect(Number(v.endOfExtendedSupport.slice(0, 4)) - Number(v.endOfStandardSupport.slice(0, 4))).toBe(1);
      expect(v.endOfExtendedSupport.slice(5), v.version).toBe(v.endOfStandardSupport.slice(5));
    }
  });

  it.each([
    // 1.35 not released yet; 1.34 supported to 2026-12-02.
    ['2026-01-01T00:00:00Z', 4, '1.34'],
    ['2026-02-01T00:00:00Z', 4, '1.35'],
    ['2026-06-01T12:00:00Z', 168, '1.35'],
    ['2026-06-02T12:00:00Z', 2, '1.36'],
    // Today: 1.34 left standard support at the start of the day.
    ['2026-12-02T21:00:00Z', 2, '1.36'],
    ['2027-07-26T00:00:00Z', 168, '1.36'],
  ])('defaults a lab created %s for %i h to %s', (createdAt, ttlHours, version) => {
    const lab = resolveLab({ lab: 'demo', createdAt, ttlHours });
    expect(lab.cluster.kubernetesVersion).toBe(version);
    expect(lab.provisional.kubernetesVersion).toBe(true);
  });

  it('still resolves a lab when no version it knows lasts (teardown and the sweeper need it); EKS decides at provision', () => {
    expect(defaultKubernetesVersion('2027-07-30T00:00:00Z', '2027-08-06T00:00:00Z')).toBeUndefined();
    const lab = resolveLab({ lab: 'demo', createdAt: '2027-07-30T00:00:00Z', ttlHours: 168 });
    expect(lab.cluster.kubernetesVersion).toBe([...KNOWN_VERSIONS].sort(byNewest)[0]);
  });

  it('refuses a version whose standard support ends before the lab expires, with both dates and what would do', () => {
    const error = rejection({
      lab: 'demo',
      kubernetesVersion: '1.34',
      createdAt: '2026-12-01T22:00:00Z',
      ttlHours: 4,
    });
    expect(error.issues).toHaveLength(1);
    expect(error.message).toBe(
      'kubernetesVersion: "1.34" — leaves EKS standard support on 2026-12-02, before the lab expires at ' +
        '2026-12-02T02:00:00Z (labs never pay extended support); 1.36 is supported until then',
    );
  });

  it('takes a version whose standard support lasts exactly until the lab expires', () => {
    const lab = resolveLab({
      lab: 'demo',
      kubernetesVersion: '1.34',
      createdAt: '2026-12-01T22:00:00Z',
      ttlHours: 2,
    });
    expect(lab.cluster.kubernetesVersion).toBe('1.34');
    expect(lab.provisional.kubernetesVersion).toBe(false);
  });

  it('refuses a version EKS had not released when the lab is created', () => {
    const error = rejection({ lab: 'demo', kubernetesVersion: '1.36', createdAt: '2026-03-01T00:00:00Z' });
    expect(error.message).toMatch(
      /^kubernetesVersion: "1\.36" — is released on EKS on 2026-06-02, after the lab/,
    );
  });

  it.each(['1.30', '1.37', '1.28', '1.3', 'latest'])(
    'refuses %s, which the calendar does not know',
    (version) => {
      const error = rejection({ lab: 'demo', kubernetesVersion: version });
      expect(error.issues[0]).toMatchObject({ field: 'kubernetesVersion', value: version });
      expect(error.issues[0]!.rule).toBe(
        "must be an EKS Kubernetes version tslab's calendar knows: 1.31, 1.32, 1.33, 1.34, 1.35, 1.36",
      );
    },
  );
});

describe('an existing lab keeps its version and AZs', () => {
  const created = resolveLab({
    lab: 'demo',
    stateBucket: 'tslab-state',
    createdAt: '2026-11-30T20:00:00Z',
    ttlHours: 2,
    kubernetesVersion: '1.34',
  });
  // What provision on AWS chose and the manifest recorded.
  const manifest = { ...buildManifest(created), azs: ['us-east-1c', 'us-east-1a', 'us-east-1d'] };

  it('from its manifest, not judged again and not provisional', () => {
    // A re-run after 1.34 left standard support: the lab was judged when it was made.
    const lab = adoptManifest({ lab: 'demo', stateBucket: 'tslab-state' }, manifest);
    expect(lab.cluster.kubernetesVersion).toBe('1.34');
    expect(lab.azs).toEqual(['us-east-1c', 'us-east-1a', 'us-east-1d']);
    expect(lab.provisional).toEqual({ kubernetesVersion: false, azs: false });
  });

  it('keeps what a manifest from before the calendar implies: <region>a,b,c and 1.34', () => {
    const { azs, kubernetesVersion, ...legacy } = manifest;
    void azs;
    void kubernetesVersion;
    const lab = adoptManifest({ lab: 'demo', stateBucket: 'tslab-state' }, legacy);
    expect(lab.cluster.kubernetesVersion).toBe('1.34');
    expect(lab.azs).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    expect(lab.provisional).toEqual({ kubernetesVersion: false, azs: false });
  });

  it('unless the input asks for another (an upgrade), which is judged', () => {
    const lab = adoptManifest(
      { lab: 'demo', stateBucket: 'tslab-state', kubernetesVersion: '1.35' },
      manifest,
    );
    expect(lab.cluster.kubernetesVersion).toBe('1.35');
    expect(() =>
      adoptManifest({ lab: 'demo', stateBucket: 'tslab-state', kubernetesVersion: '1.33' }, manifest),
    ).toThrow(/leaves EKS standard support on 2026-07-29/);
  });
});

describe('the CLI', () => {
  const s3 = mockClient(S3Client);
  afterEach(() => s3.reset());

  async function cli(args: string[]): Promise<{ code: number; err: string }> {
    const err: string[] = [];
    const code = await main(args, { out: () => undefined, err: (l) => err.push(l) });
    return { code, err: err.join('\n') };
  }

  it('exits 2 on a version out of standard support before the lab expires, naming the flag and the dates', async () => {
    const run = await cli([
      'synth',
      '--lab',
      'demo',
      '--kubernetes-version',
      '1.34',
      '--created-at',
      '2026-12-01T23:00:00Z',
    ]);
    expect(run.code).toBe(2);
    expect(run.err).toContain(
      '--kubernetes-version: "1.34" — leaves EKS standard support on 2026-12-02, before the lab expires at 2026-12-02T03:00:00Z',
    );
  });

  it('refuses it on up before any cloud call', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      TAILSCALE_OAUTH_CLIENT_ID: 'id',
      TAILSCALE_OAUTH_CLIENT_SECRET: 'tskey-client-x',
      ...Object.fromEntries(OPERATOR_CREDENTIAL_ENV.map((name) => [name, 'tskey-client-y'])),
    });
    try {
      const run = await cli([
        'up',
        '--lab',
        'demo',
        '--state-bucket',
        'tslab-state',
        '--kubernetes-version',
        '1.33',
      ]);
      expect(run.code).toBe(2);
      expect(run.err).toContain('--kubernetes-version: "1.33" — leaves EKS standard support on 2026-07-29');
      expect(s3.calls()).toEqual([]);
    } finally {
      process.env = saved;
    }
  });
});
