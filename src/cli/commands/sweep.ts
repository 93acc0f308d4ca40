// tslab sweep: lists (dry run, the default) or tears down every lab whose expiry has passed.
import { S3ManifestStore } from '../../engine/manifest.ts';
import { createAwsClients } from '../../aws/clients.ts';
import { LabConfigError } from '../../lab/errors.ts';
import { AWS_REGION } from '../../lab/schema.ts';
import { sweepExpiredLabs } from '../../operations/sweep-labs.ts';
import { createTailscaleApiClient } from '../../tailscale/api-client.ts';

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
  for (const [field, value] of [
    ['--region', region],
    ['--state-region', stateRegion],
  ] as const) {
    if (!AWS_REGION.test(value)) {
      throw new LabConfigError([{ field, value, rule: "must be an AWS region such as 'eu-west-1'" }]);
    }
  }
  const aws = createAwsClients(region, stateRegion);
  const dryRun = options['dryRun'] !== false;
  const id = process.env['TAILSCALE_OAUTH_CLIENT_ID'];
  const secret = process.env['TAILSCALE_OAUTH_CLIENT_SECRET'];
  const outcomes = await sweepExpiredLabs({
    aws,
    ...(id && secret ? { tailscale: createTailscaleApiClient({ clientId: id, clientSecret: secret }) } : {}),
    store: new S3ManifestStore(aws.s3, bucket),
    stateBucket: bucket,
    stateRegion,
    dryRun,
    now: new Date(),
    log: (line) => io.out(line),
  });
  for (const o of outcomes)
    io.out(`${o.result.padEnd(12)} ${o.lab} (expired ${o.expiresAt})${o.detail ? `: ${o.detail}` : ''}`);
  if (!outcomes.length) io.out('no expired lab');
}
