// tslab sweep: lists (dry run, the default) or tears down every lab whose expiry has passed.
import { LabConfigError } from '../../lab/errors.ts';
import { requireAwsRegions } from '../../lab/regions.ts';
import { sweepLabs } from '../../operations/sweep-labs.ts';
import { credentialsFromEnv } from './credentials.ts';

export async function sweepCommand(
  options: Record<string, string | boolean | undefined>,
  io: { out(line: string): void },
): Promise<void> {
  const bucket = options['stateBucket'];
  if (typeof bucket !== 'string' || !bucket) {
    throw new LabConfigError([
      {
        field: '--state-bucket',
        value: bucket ?? '',
        rule: 'is required: the bucket holding the lab manifests',
      },
    ]);
  }
  const region = String(options['region']);
  const stateRegion = typeof options['stateRegion'] === 'string' ? options['stateRegion'] : region;
  requireAwsRegions([
    ['--region', region],
    ['--state-region', stateRegion],
  ]);
  const dryRun = options['dryRun'] !== false;
  const outcomes = await sweepLabs({
    credentials: credentialsFromEnv('aws', 'sweep', { dryRun }),
    stateBucket: bucket,
    region,
    stateRegion,
    dryRun,
    concurrency: 3,
    now: new Date(),
    log: (line) => io.out(line),
  });
  for (const o of outcomes)
    io.out(`${o.result.padEnd(12)} ${o.lab} (expired ${o.expiresAt})${o.detail ? `: ${o.detail}` : ''}`);
  if (!outcomes.length) io.out('no expired lab');
}
