// A commit's AWS prerequisites for the release tests, as the refresh workflow leaves them (every sha256 of
// .github/pins.env pinned, a provider lock file covering the AWS stacks for terraform and tofu) or as they are before
// its first run (empty pins, a lock file without entries). Nothing reaches a publisher or a registry: every checksum
// is computed here, the sha256 of stand-in bytes named after what it stands for; none is written by hand.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderProviderLockFile, type ProviderLockEntry } from '../../src/engine/provider-lock-file.ts';
import { registryHostOf, requiredProvidersOf } from '../../src/engine/stack-providers.ts';
import { LOCK_FILE, PINS_FILE, REQUIREMENTS_FILE } from '../../scripts/release-readiness.ts';
import { REPO_ROOT } from '../workflows/workflow-files.ts';

/** The platforms scripts/lock-providers.sh locks for. */
const PLATFORMS = ['linux_amd64', 'linux_arm64', 'darwin_arm64'] as const;
const SHA256_LINE = /^([A-Z0-9_]*_SHA256_[A-Z0-9_]*)=.*$/gm;

const sha256 = (bytes: string) => createHash('sha256').update(bytes);

/** This checkout's pins file with every `*_SHA256_*` line set to `value(key)` (its versions kept). */
export function pinsWith(value: (key: string) => string, text = checkoutPins()): string {
  return text.replace(SHA256_LINE, (_, key: string) => `${key}=${value(key)}`);
}

export function checkoutPins(): string {
  return readFileSync(join(REPO_ROOT, PINS_FILE), 'utf8');
}

/** The sha256 of stand-in bytes for a binary's pin. */
export const standInPin = (key: string) => sha256(`stand-in binary for ${key}\n`).digest('hex');

/** A pins file as the refresh writes it: every sha256 pinned. */
export const pinnedPins = (): string => pinsWith(standInPin);
/** A pins file as committed before the refresh's first run: every sha256 empty. */
export const emptyPins = (): string => pinsWith(() => '');

/**
 * Lock entries for every provider `requirements` (a versions.tf.json) lists, for each engine, checksums of stand-in
 * packages: an `h1:` per locked platform and a `zh:` per release zip, as `providers lock` records them.
 */
export function standInLockEntries(
  requirements: string,
  engines: readonly string[] = ['terraform', 'tofu'],
): ProviderLockEntry[] {
  const json: unknown = JSON.parse(readFileSync(requirements, 'utf8'));
  return engines.flatMap((engine) =>
    requiredProvidersOf(json, requirements, registryHostOf(engine)).map((provider) => {
      // `~> 0.29.2` as locked: the version it names; the constraint is recorded as written.
      const version = (provider.version ?? '1.0.0').replace(/^[~>=<!\s]+/, '');
      const packages = PLATFORMS.map((platform) => `${provider.address} ${version} ${platform}`);
      return {
        address: provider.address,
        version,
        ...(provider.version ? { constraints: provider.version } : {}),
        hashes: [
          ...packages.map((p) => `h1:${sha256(`package ${p}\n`).digest('base64')}`),
          ...packages.map((p) => `zh:${sha256(`zip ${p}\n`).digest('hex')}`),
        ],
      };
    }),
  );
}

export function lockFileOf(entries: readonly ProviderLockEntry[]): string {
  return renderProviderLockFile(entries, [
    'Stand-in provider lock file of the release tests (test/release/aws-ready.ts): checksums of stand-in bytes.',
  ]);
}

export interface AwsPrerequisites {
  pins: string;
  /** The lock file's text. */
  lock: string;
}

/** As the refresh workflow leaves them, for this checkout's versions.tf.json (what a ready release commit holds). */
export function refreshed(): AwsPrerequisites {
  return { pins: pinnedPins(), lock: lockFileOf(standInLockEntries(join(REPO_ROOT, REQUIREMENTS_FILE))) };
}

/** As committed before the refresh workflow's first run. */
export function notRefreshed(): AwsPrerequisites {
  return { pins: emptyPins(), lock: lockFileOf([]) };
}

/** Writes the pins file and the lock file into the checkout `root`. */
export function writePrerequisites(root: string, prerequisites: AwsPrerequisites): void {
  for (const [file, text] of [
    [PINS_FILE, prerequisites.pins],
    [LOCK_FILE, prerequisites.lock],
  ] as const) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
}
