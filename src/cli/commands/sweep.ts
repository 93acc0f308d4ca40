// tslab sweep: lists (dry run, the default) or tears down every lab whose expiry has passed, and every pr-<n> lab
// whose pull request has closed when GITHUB_TOKEN and GITHUB_REPOSITORY say where to ask. Exits 1, naming each lab
// and what is left, when a lab could not be removed.
import { repositoryFromEnv } from '../../github/pull-requests.ts';
import { LabConfigError } from '../../lab/errors.ts';
import { requireAwsRegions } from '../../lab/regions.ts';
import { sweepLabs, type SweepLabsOptions } from '../../sweep/sweep-labs.ts';
import { outcomeLine, sweepFailure } from '../../sweep/report.ts';
import { OperationFailed } from '../exit.ts';
import { credentialsFromEnv } from './credentials.ts';

export async function sweepCommand(
  options: Record<string, string | boolean | undefined>,
  io: { out(line: string): void },
  env: NodeJS.ProcessEnv = process.env,
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
  const credentials = credentialsFromEnv('aws', 'sweep', { dryRun, env });
  const report = await sweepLabs({
    credentials,
    stateBucket: bucket,
    region,
    stateRegion,
    dryRun,
    concurrency: 3,
    github: githubFromEnv(env),
    now: new Date(),
    log: (line) => io.out(line),
  });
  for (const o of report.outcomes) io.out(outcomeLine(o));
  if (!report.outcomes.length) io.out('no lab to remove');
  for (const note of report.notes) io.out(`note: ${note}`);
  const failure = sweepFailure(report.outcomes);
  if (failure) throw new OperationFailed(failure);
}

/** GITHUB_TOKEN (pull-requests: read) and GITHUB_REPOSITORY, or why closed pull requests cannot be checked. */
function githubFromEnv(env: NodeJS.ProcessEnv): SweepLabsOptions['github'] {
  const repository = repositoryFromEnv(env);
  const token = env['GITHUB_TOKEN'];
  if (!token)
    return 'GITHUB_TOKEN is not set (a token with pull-requests: read; e.g. GITHUB_TOKEN=$(gh auth token))';
  if (!repository)
    return 'GITHUB_REPOSITORY is not set (owner/repository whose pull requests name the pr-<n> labs)';
  return { token, repository };
}
