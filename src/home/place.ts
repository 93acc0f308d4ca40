// Where a lab's state is — an S3 bucket (and its region) or a directory — read from the lab once: the one place that
// tells the two apart. Free of the engine and the SDK's commands, so the doctor can ask it too.
import { resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { SDK_RETRIES } from '../clients/aws/sdk-retries.ts';
import type { LabConfig } from '../lab/config.ts';

/** Where the state is, as the home sees it: everything below is decided from this one value. */
export type Place =
  | { kind: 's3'; bucket: string; region: string; keyPrefix: string; s3: () => S3Client }
  | { kind: 'local'; dir: string; region: string };

export function placeOf(
  lab: LabConfig,
  options: { s3?: ((stateRegion: string) => S3Client) | undefined } = {},
  same?: Place,
): Place {
  const state = lab.state;
  // The same lab adopted as its manifest recorded it: the same bucket keeps its client.
  if (
    same?.kind === 's3' &&
    state.kind === 's3' &&
    same.bucket === state.bucket &&
    same.region === state.region
  )
    return same;
  if (state.kind === 'local') return { kind: 'local', dir: state.dir, region: lab.region };
  let client: S3Client | undefined;
  return {
    kind: 's3',
    bucket: state.bucket,
    region: state.region,
    keyPrefix: state.keyPrefix,
    s3: () =>
      (client ??= options.s3?.(state.region) ?? new S3Client({ region: state.region, ...SDK_RETRIES })),
  };
}

/**
 * The lab with its local state dir absolute. LabConfig defaults it to the relative '.tslab/state/<lab>', but terraform
 * resolves a relative backend path from each stack's working directory (inside the synth output), so state would be
 * scattered per stack, lost with the output dir, and invisible to cross-stack reads.
 */
export function absolute(lab: LabConfig, cwd: string = process.cwd()): LabConfig {
  const placed = placeOf(lab, {});
  return placed.kind === 'local' ? { ...lab, state: { kind: 'local', dir: resolve(cwd, placed.dir) } } : lab;
}

/** The lab's state bucket and its region, when it keeps its state in S3 (what the doctor checks). */
export function stateBucketOf(lab: LabConfig): { bucket: string; region: string } | undefined {
  const place = placeOf(lab, {});
  return place.kind === 's3' ? { bucket: place.bucket, region: place.region } : undefined;
}
