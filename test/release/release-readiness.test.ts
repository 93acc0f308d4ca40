// The release's refusal of a commit that could not run on AWS (scripts/release-readiness.ts), against checkouts made
// in temporary directories: this checkout's versions.tf.json and pins file, with every sha256 and lock entry computed
// from stand-in bytes (aws-ready.ts). Each missing piece is named; a checkout as the refresh leaves it is accepted.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registryHostOf, requiredProvidersOf } from '../../src/engine/stack-providers.ts';
import {
  awsReadinessFindings,
  checkAwsReadiness,
  LOCK_FILE,
  PINS_FILE,
  REQUIREMENTS_FILE,
} from '../../scripts/release-readiness.ts';
import { ReleaseError } from '../../scripts/release-git.ts';
import { REPO_ROOT } from '../workflows/workflow-files.ts';
import {
  checkoutPins,
  lockFileOf,
  notRefreshed,
  pinsWith,
  refreshed,
  standInLockEntries,
  standInPin,
  writePrerequisites,
} from './aws-ready.ts';

const SCRIPT = join(REPO_ROOT, 'scripts', 'release-readiness.ts');
let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tslab-readiness-'));
  mkdirSync(join(root, 'infra', 'providers'), { recursive: true });
  copyFileSync(join(REPO_ROOT, REQUIREMENTS_FILE), join(root, REQUIREMENTS_FILE));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** The AWS stacks' providers as `engine` qualifies them, from this checkout's versions.tf.json. */
function addresses(engine: 'terraform' | 'tofu'): string[] {
  const file = join(REPO_ROOT, REQUIREMENTS_FILE);
  return requiredProvidersOf(JSON.parse(readFileSync(file, 'utf8')), file, registryHostOf(engine)).map(
    (p) => p.address,
  );
}

/** Every `*_SHA256_*` key of this checkout's pins file. */
const PIN_KEYS = [...checkoutPins().matchAll(/^([A-Z0-9_]*_SHA256_[A-Z0-9_]*)=/gm)].map((m) => m[1]!);

async function refusal(tag: { version?: string; commit?: string } = {}): Promise<string> {
  const error = await checkAwsReadiness(root, tag).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ReleaseError);
  return (error as Error).message;
}

describe('a checkout as the refresh workflow leaves it', () => {
  it('is accepted: every sha256 pinned, the lock file covering the AWS stacks for terraform and tofu', async () => {
    writePrerequisites(root, refreshed());
    expect(await awsReadinessFindings(root)).toEqual([]);
    await expect(checkAwsReadiness(root, { version: 'v0.1.0' })).resolves.toBeUndefined();
  });
});

describe('a checkout before the refresh has run', () => {
  it('is refused, naming every empty pin and every provider without checksums, for both engines', async () => {
    writePrerequisites(root, notRefreshed());
    expect(PIN_KEYS.length).toBeGreaterThanOrEqual(6);
    expect(addresses('terraform')).toContain('registry.terraform.io/hashicorp/aws');
    expect(await awsReadinessFindings(root)).toEqual([
      `${PINS_FILE} has empty sha256 pins: ${PIN_KEYS.join(', ')}`,
      `${LOCK_FILE} has no checksums for terraform's ${addresses('terraform').join(', ')}`,
      expect.stringContaining(`${LOCK_FILE} has no checksums for tofu's ${addresses('tofu').join(', ')}`),
    ]);
  });

  it('says to run refresh-pins.yml and merge its pull request first, then tag again; nothing was built', async () => {
    writePrerequisites(root, notRefreshed());
    const commit = 'a'.repeat(40);
    const message = await refusal({ version: 'v0.1.0', commit });
    expect(message).toMatch(
      new RegExp(`^${commit}, the commit v0\\.1\\.0 was pushed on, could not run on AWS: `),
    );
    expect(message).toContain(
      'Run the workflow .github/workflows/refresh-pins.yml, review and merge its pull request into the default ' +
        'branch first, then tag again: delete the tag (git push origin :refs/tags/v0.1.0) and push v0.1.0 on the ' +
        'merged commit.',
    );
    expect(message).toContain('Nothing was built or pushed.');
    expect(message).toContain('scripts/pins.sh aws');
  });
});

describe('each missing piece is named alone', () => {
  it('one empty pin: only that key', async () => {
    const key = PIN_KEYS.at(-1)!;
    writePrerequisites(root, {
      ...refreshed(),
      pins: pinsWith((k) => (k === key ? '' : standInPin(k))),
    });
    expect(await awsReadinessFindings(root)).toEqual([`${PINS_FILE} has empty sha256 pins: ${key}`]);
  });

  it('a pin that is not a sha256: the key and its value', async () => {
    const key = PIN_KEYS[0]!;
    const short = standInPin(key).slice(0, 40);
    writePrerequisites(root, {
      ...refreshed(),
      pins: pinsWith((k) => (k === key ? short : standInPin(k))),
    });
    expect(await awsReadinessFindings(root)).toEqual([
      `${PINS_FILE} has pins that are not a sha256 (64 lowercase hex digits): ${key}="${short}"`,
    ]);
  });

  it('a pin emptied by a later line of the same key (pins.sh reads the last): named', async () => {
    const key = PIN_KEYS[0]!;
    writePrerequisites(root, { ...refreshed(), pins: `${refreshed().pins}${key}=\n` });
    expect(await awsReadinessFindings(root)).toEqual([`${PINS_FILE} has empty sha256 pins: ${key}`]);
  });

  it('a lock file with terraform’s entries only: tofu’s providers, saying why tofu’s are required', async () => {
    const terraformOnly = standInLockEntries(join(root, REQUIREMENTS_FILE), ['terraform']);
    writePrerequisites(root, { ...refreshed(), lock: lockFileOf(terraformOnly) });
    const message = await refusal();
    expect(await awsReadinessFindings(root)).toEqual([
      `${LOCK_FILE} has no checksums for tofu's ${addresses('tofu').join(', ')} (required too: the refresh ` +
        'workflow sets tofu up, so the file it proposes has them, and a lab with engine: tofu runs only against them)',
    ]);
    expect(message).not.toContain('registry.terraform.io');
    expect(message).not.toContain(PINS_FILE + ' has');
  });

  it('a lock file missing one provider, or holding it without checksums: that provider for each engine', async () => {
    const all = standInLockEntries(join(root, REQUIREMENTS_FILE));
    const [dropped, stripped] = [addresses('terraform').at(-1)!, addresses('tofu')[0]!];
    const entries = all
      .filter((e) => e.address !== dropped)
      .map((e) => (e.address === stripped ? { ...e, hashes: [] } : e));
    writePrerequisites(root, { ...refreshed(), lock: lockFileOf(entries) });
    const findings = await awsReadinessFindings(root);
    expect(findings).toHaveLength(2);
    expect(findings[0]).toBe(`${LOCK_FILE} has no checksums for terraform's ${dropped}`);
    expect(findings[1]).toMatch(new RegExp(`^${LOCK_FILE} has no checksums for tofu's ${stripped} \\(`));
  });

  it('no lock file, no pins file: each said not to exist', async () => {
    expect(await awsReadinessFindings(root)).toEqual([
      `${PINS_FILE} does not exist`,
      `${LOCK_FILE} does not exist`,
    ]);
  });

  it('a lock file terraform would not have written: the file and line, once for both engines', async () => {
    const lock =
      'provider "registry.terraform.io/hashicorp/aws" {\n  version = "6.25.0"\n  hashes = [\n    "h9:x",\n  ]\n}\n';
    writePrerequisites(root, { ...refreshed(), lock });
    expect(await awsReadinessFindings(root)).toEqual([
      `${join(root, LOCK_FILE)}:4: unknown hash scheme in "h9:x": expected h1: or zh:`,
    ]);
  });

  it('a pins file without any sha256 line: not the pins file', async () => {
    writePrerequisites(root, { ...refreshed(), pins: 'TERRAFORM_VERSION=1.13.3\n' });
    expect(await awsReadinessFindings(root)).toEqual([
      `${PINS_FILE} has no *_SHA256_* line: it is not the pins file scripts/pins.sh reads`,
    ]);
  });
});

describe('node scripts/release-readiness.ts, as the build job runs it', () => {
  const run = (env: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [SCRIPT, root], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'], ...env },
    });

  it('exits 2 with one ::error:: annotation naming what is missing', () => {
    writePrerequisites(root, notRefreshed());
    const result = run({ VERSION: 'v1.4.0', SOURCE_SHA: 'b'.repeat(40) });
    expect(result.status, result.stderr).toBe(2);
    const lines = result.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^::error title=tslab release::b{40}, the commit v1\.4\.0 was pushed on, could not/,
    );
    expect(lines[0]).toContain(PIN_KEYS[0]);
    expect(lines[0]).toContain('refs/tags/v1.4.0');
  });

  it('exits 0 for a checkout the refresh has run on, saying so', () => {
    writePrerequisites(root, refreshed());
    const result = run();
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('Ready for AWS');
  });

  it('refuses an extra argument rather than ignoring it: nothing on its command line skips the check', () => {
    writePrerequisites(root, notRefreshed());
    const result = spawnSync(process.execPath, [SCRIPT, root, '--force'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stdout).toContain('usage: node scripts/release-readiness.ts [DIR]');
  });
});
