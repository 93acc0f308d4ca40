// Refuses to release a commit that could not run on AWS (docs/release.md). The AWS jobs of a release check out the
// release commit and run its scripts/pins.sh aws (which fails closed on an empty sha256 pin), and its bundles read the
// copy of infra/providers/.terraform.lock.hcl built into them (a provider without checksums stops every AWS run): a
// release cut before .github/workflows/refresh-pins.yml has run and its pull request is merged would be unusable on
// AWS until a later release. So the build job runs this before it installs or builds anything:
//
//   node scripts/release-readiness.ts [DIR, default .]
//
// It checks, in the checkout DIR: every `*_SHA256_*` line of .github/pins.env holds a sha256; the provider lock file
// covers the providers of infra/providers/versions.tf.json for terraform and for tofu, by the engine's own check
// (checkLockCoversAwsStacks). Environment: VERSION and SOURCE_SHA, to name the tag in the message. Node built-ins and
// the engine's lock modules only: it runs before `npm ci`.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  checkLockCoversAwsStacks,
  LOCK_FILE_NAME,
  ProviderLock,
  ProviderLockError,
} from '../src/engine/provider-lock.ts';
import { escapeCommand, ReleaseError } from './release-git.ts';

/** The files checked, relative to the checkout; the messages name them so. */
export const PINS_FILE = '.github/pins.env';
export const LOCK_FILE = `infra/providers/${LOCK_FILE_NAME}`;
export const REQUIREMENTS_FILE = 'infra/providers/versions.tf.json';
/** Both engines: the refresh workflow sets tofu up, so the file it proposes holds tofu's entries too. */
export const ENGINES = ['terraform', 'tofu'] as const;

const SHA256_LINE = /^([A-Z0-9_]*_SHA256_[A-Z0-9_]*)=(.*)$/;
// The rule scripts/pins.sh applies to a pin before it compares a binary with it.
const SHA256 = /^[0-9a-f]{64}$/;

/** What is missing from the pins file, one finding a kind; none when every sha256 is pinned. */
export function pinFindings(text: string): string[] {
  // pins.sh reads the last line of a key, so the last one is the pin.
  const pins = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = SHA256_LINE.exec(line.replace(/\r$/, ''));
    if (match) pins.set(match[1]!, match[2]!);
  }
  if (pins.size === 0)
    return [`${PINS_FILE} has no *_SHA256_* line: it is not the pins file scripts/pins.sh reads`];
  const empty = [...pins].filter(([, value]) => value === '').map(([key]) => key);
  const malformed = [...pins].filter(([, value]) => value !== '' && !SHA256.test(value));
  return [
    ...(empty.length ? [`${PINS_FILE} has empty sha256 pins: ${empty.join(', ')}`] : []),
    ...(malformed.length
      ? [
          `${PINS_FILE} has pins that are not a sha256 (64 lowercase hex digits): ` +
            malformed.map(([key, value]) => `${key}=${JSON.stringify(value)}`).join(', '),
        ]
      : []),
  ];
}

/** What the lock file lacks for `engine`, by the engine's own check; none when it covers the AWS stacks. */
async function lockFindings(root: string, engine: (typeof ENGINES)[number]): Promise<string[]> {
  try {
    await checkLockCoversAwsStacks(
      engine,
      new ProviderLock(join(root, LOCK_FILE)),
      join(root, REQUIREMENTS_FILE),
    );
    return [];
  } catch (error) {
    if (!(error instanceof ProviderLockError)) return [(error as Error).message];
    const missing = `${LOCK_FILE} has no checksums for ${engine}'s ${error.providers.join(', ')}`;
    return [
      engine === 'tofu'
        ? `${missing} (required too: the refresh workflow sets tofu up, so the file it proposes has them, and a ` +
          'lab with engine: tofu runs only against them)'
        : missing,
    ];
  }
}

/** Everything that would stop an AWS run of a release of the checkout `root`; empty when it could run. */
export async function awsReadinessFindings(root: string): Promise<string[]> {
  const pinsFile = join(root, PINS_FILE);
  const findings = existsSync(pinsFile)
    ? pinFindings(readFileSync(pinsFile, 'utf8'))
    : [`${PINS_FILE} does not exist`];
  if (!existsSync(join(root, LOCK_FILE))) {
    findings.push(`${LOCK_FILE} does not exist`);
  } else {
    for (const engine of ENGINES) findings.push(...(await lockFindings(root, engine)));
  }
  // A malformed lock file fails both engines' checks with the same message.
  return [...new Set(findings)];
}

/** Throws a ReleaseError naming everything missing and what to do, when a release of `root` could not run on AWS. */
export async function checkAwsReadiness(
  root: string,
  tag: { version?: string; commit?: string } = {},
): Promise<void> {
  const findings = await awsReadinessFindings(root);
  if (!findings.length) return;
  const version = tag.version || 'the version';
  const subject = tag.commit ? `${tag.commit}, the commit ${version} was pushed on,` : 'This commit';
  const retag = tag.version
    ? `delete the tag (git push origin :refs/tags/${tag.version}) and push ${tag.version} on the merged commit`
    : 'delete the version tag and push it on the merged commit';
  throw new ReleaseError(
    `${subject} could not run on AWS: ${findings.join('; ')}. Every AWS job of a release checks out its release ` +
      'commit and runs that commit’s scripts/pins.sh aws, and the bundles read the lock file built into them, so ' +
      'that release would fail closed on AWS until a later one. Nothing was built or pushed. Run the workflow ' +
      '.github/workflows/refresh-pins.yml, review and merge its pull request into the default branch first, ' +
      `then tag again: ${retag}.`,
  );
}

async function main(argv: string[]): Promise<void> {
  if (argv.length > 1) throw new ReleaseError('usage: node scripts/release-readiness.ts [DIR]');
  const root = resolve(argv[0] ?? '.');
  await checkAwsReadiness(root, {
    ...(process.env['VERSION'] ? { version: process.env['VERSION'] } : {}),
    ...(process.env['SOURCE_SHA'] ? { commit: process.env['SOURCE_SHA'] } : {}),
  });
  console.log(
    `Ready for AWS: every sha256 in ${PINS_FILE} is pinned, and ${LOCK_FILE} covers the providers of ` +
      `${REQUIREMENTS_FILE} for ${ENGINES.join(' and ')}.`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    // One ::error:: line the job's annotations show; the message says what is missing and what to do.
    const message = error instanceof ReleaseError ? error.message : String(error);
    console.log(`::error title=tslab release::${escapeCommand(message)}`);
    process.exit(error instanceof ReleaseError ? 2 : 1);
  });
}
