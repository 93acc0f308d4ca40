// An AWS provision checks the committed provider lock file before its first cloud call: with no checksum for a
// provider of the AWS stacks no stack could be initialized, so it stops before reading the bucket, asking AWS or
// Tailscale anything, or taking the run lock.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseProviderLockFile } from '../../src/engine/provider-lock-file.ts';
import {
  ProviderLockError,
  repositoryLockFile,
  repositoryProviderRequirements,
} from '../../src/engine/provider-lock.ts';
import { registryHostOf, requiredProvidersOf } from '../../src/engine/stack-providers.ts';
import { resolveLab } from '../../src/lab/config.ts';
import { LabHome } from '../../src/home/lab-home.ts';
import { provisionAwsLab } from '../../src/targets/aws/provision.ts';
import type { AwsServices } from '../../src/targets/aws/services.ts';

const outdir = mkdtempSync(join(tmpdir(), 'tslab-lock-before-cloud-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** Every property read of a cloud seam is a call about to be made: recorded, and refused. */
function cloud<T>(name: string, touched: string[]): T {
  return new Proxy(
    {},
    {
      get: (_target, property) => {
        touched.push(`${name}.${String(property)}`);
        throw new Error(`${name}.${String(property)}: the cloud was reached`);
      },
    },
  ) as T;
}

/** Whether the committed lock file holds a checksum for every provider of the AWS stacks, for this engine. */
function committedLockCovers(binary: string): boolean {
  const host = registryHostOf(binary);
  const required = requiredProvidersOf(
    JSON.parse(readFileSync(repositoryProviderRequirements(), 'utf8')),
    'versions.tf.json',
    host,
  );
  const entries = parseProviderLockFile(readFileSync(repositoryLockFile(), 'utf8'), repositoryLockFile());
  return required.every((p) => entries.some((e) => e.address === p.address && e.hashes.length > 0));
}

describe('an AWS provision', () => {
  it.each(['terraform', 'tofu'] as const)(
    'with engine %s checks the committed lock file before its first cloud call',
    async (engine) => {
      const touched: string[] = [];
      const lab = resolveLab({ lab: 'lockcheck', stateBucket: 'tslab-state', engine });
      const home = LabHome.of(lab, { outdir, env: {}, store: cloud('store', touched) });
      const services: AwsServices = {
        tailscale: cloud('tailscale', touched),
        aws: cloud('aws', touched),
        connectCluster: cloud('cluster', touched),
      };
      const error = await provisionAwsLab(home, services).catch((e: unknown) => e);
      if (committedLockCovers(engine)) {
        // The verdict is the file's: complete for this engine, the run goes on to the bucket first.
        expect(touched[0]).toBe('store.list');
      } else {
        expect(error).toBeInstanceOf(ProviderLockError);
        expect((error as ProviderLockError).requiredBy).toEqual([
          'the AWS stacks as versions.tf.json lists them',
        ]);
        expect((error as Error).message).toContain(repositoryLockFile());
        expect(touched).toEqual([]);
      }
    },
  );
});
