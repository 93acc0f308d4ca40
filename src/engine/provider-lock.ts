// The committed provider lock file (infra/providers/.terraform.lock.hcl) and what the engine does with it: before each
// init a stack gets a lock file holding exactly the entries of the providers it requires, so `init -lockfile=readonly`
// installs nothing whose checksum is not recorded; a provider with no entry stops the run before terraform starts
// (docs/supply-chain.md).
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  parseProviderLockFile,
  renderProviderLockFile,
  type ProviderLockEntry,
} from './provider-lock-file.ts';
import {
  registryHostOf,
  requiredProviders,
  requiredProvidersOf,
  type ProviderRegistryHost,
  type RequiredProvider,
} from './stack-providers.ts';

export const LOCK_FILE_NAME = '.terraform.lock.hcl';

/** Bundlers (ncc) copy the file next to the bundle and turn the URL into a plain path; from source it is a file: URL. */
function asPath(where: URL | string): string {
  return typeof where === 'string' ? where : fileURLToPath(where);
}

/** The repository's lock file: infra/providers/ from source, a copy beside actions/<name>/dist/index.js in a bundle. */
export function repositoryLockFile(): string {
  return asPath(new URL('../../infra/providers/.terraform.lock.hcl', import.meta.url));
}

/** What the lock file is produced from: every provider the AWS stacks require (a test keeps it equal to them). */
export function repositoryProviderRequirements(): string {
  return asPath(new URL('../../infra/providers/versions.tf.json', import.meta.url));
}

/** How to produce the entries; the message of every ProviderLockError ends with it. */
export const HOW_TO_PRODUCE_LOCK =
  'Produce the entries on a machine with internet access: run the workflow .github/workflows/refresh-pins.yml ' +
  '(it runs scripts/lock-providers.sh and opens a pull request), or run scripts/lock-providers.sh yourself and ' +
  'commit infra/providers/.terraform.lock.hcl. The local target (target: local) needs no provider and runs without them.';

const TOFU_NOTE =
  'tofu resolves providers to registry.opentofu.org: scripts/lock-providers.sh records those only where tofu is on PATH.';

/** A provider a stack requires has no checksum in the lock file: nothing was run. */
export class ProviderLockError extends Error {
  /** Fully qualified addresses without an entry (or without a checksum). */
  readonly providers: readonly string[];
  readonly lockFile: string;
  /** Who requires them: stacks by id, or the AWS stacks as a whole for the check before any cloud call. */
  readonly requiredBy: readonly string[];

  constructor(options: {
    providers: readonly string[];
    lockFile: string;
    requiredBy: readonly string[];
    host: ProviderRegistryHost;
    fileMissing?: boolean;
  }) {
    const engine = options.host === 'registry.opentofu.org' ? 'tofu' : 'terraform';
    const where = options.fileMissing
      ? `The provider lock file ${options.lockFile} does not exist (a bundle copied without its dotfiles loses it: ` +
        'upload-artifact leaves them out unless include-hidden-files is true), so it has no checksums for'
      : `The provider lock file ${options.lockFile} has no checksums for`;
    super(
      `${where} ${options.providers.join(', ')}, required by ${options.requiredBy.join(', ')}. ` +
        `tslab runs ${engine} init only against checksums recorded there (-lockfile=readonly), so it stopped ` +
        `before running ${engine}. ${HOW_TO_PRODUCE_LOCK}` +
        (engine === 'tofu' ? ` ${TOFU_NOTE}` : ''),
    );
    this.name = 'ProviderLockError';
    this.providers = options.providers;
    this.lockFile = options.lockFile;
    this.requiredBy = options.requiredBy;
  }
}

/** The committed lock file as the engine uses it; read again on every call, so a refreshed file counts at once. */
export class ProviderLock {
  readonly file: string;

  constructor(file: string = repositoryLockFile()) {
    this.file = file;
  }

  /**
   * The entries of exactly these providers; a ProviderLockError naming every one without a checksum otherwise. A
   * stack that requires no provider needs no file at all.
   */
  async entriesFor(
    required: readonly RequiredProvider[],
    requiredBy: readonly string[],
    host: ProviderRegistryHost,
  ): Promise<ProviderLockEntry[]> {
    if (required.length === 0) return [];
    return this.pick(await this.read(), required, requiredBy, host);
  }

  /** entriesFor over entries already read (undefined: no file). */
  private pick(
    entries: ProviderLockEntry[] | undefined,
    required: readonly RequiredProvider[],
    requiredBy: readonly string[],
    host: ProviderRegistryHost,
  ): ProviderLockEntry[] {
    if (required.length === 0) return [];
    const byAddress = new Map((entries ?? []).map((entry) => [entry.address, entry]));
    const missing = required.filter((p) => !byAddress.get(p.address)?.hashes.length).map((p) => p.address);
    if (missing.length) {
      throw new ProviderLockError({
        providers: [...new Set(missing)].sort(),
        lockFile: this.file,
        requiredBy,
        host,
        fileMissing: entries === undefined,
      });
    }
    return required.map((p) => byAddress.get(p.address)!);
  }

  /** Fails like writeInto would for any of these stack directories, writing nothing: one error for all of them. */
  async check(dirs: readonly string[], host: ProviderRegistryHost): Promise<void> {
    const required: RequiredProvider[] = [];
    const stacks = new Set<string>();
    const entries = await this.read();
    const locked = new Set((entries ?? []).filter((e) => e.hashes.length).map((e) => e.address));
    for (const dir of dirs) {
      const providers = await requiredProviders(dir, host);
      required.push(...providers);
      if (providers.some((p) => !locked.has(p.address))) stacks.add(stackName(dir));
    }
    // The file read above, not read again: one verdict for all the stacks.
    this.pick(entries, required, [...stacks], host);
  }

  /**
   * Writes `<dir>/.terraform.lock.hcl` with the entries of exactly the providers the stack requires (terraform's
   * readonly init refuses a lock file holding more), replacing whatever was there (a restored stack's directory
   * may hold one that was never checked).
   */
  async writeInto(dir: string, host: ProviderRegistryHost): Promise<ProviderLockEntry[]> {
    const entries = await this.entriesFor(await requiredProviders(dir, host), [stackName(dir)], host);
    const header = [
      `Written by tslab before init from ${this.file},`,
      'for the providers this stack requires; terraform init runs with -lockfile=readonly.',
    ];
    await writeFile(join(dir, LOCK_FILE_NAME), renderProviderLockFile(entries, header));
    return entries;
  }

  /** The file's entries; undefined when there is no file. */
  private async read(): Promise<ProviderLockEntry[] | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return parseProviderLockFile(text, this.file);
  }
}

/**
 * Before any cloud call of an AWS run: every provider in infra/providers/versions.tf.json (what the AWS stacks
 * require) has a checksum in the lock file for this engine's registry.
 */
export async function checkLockCoversAwsStacks(
  binary: string,
  lock: ProviderLock = new ProviderLock(),
  requirementsFile: string = repositoryProviderRequirements(),
): Promise<void> {
  const host = registryHostOf(binary);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(requirementsFile, 'utf8'));
  } catch (error) {
    throw new Error(
      `Could not read the provider requirements ${requirementsFile}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const required = requiredProvidersOf(json, requirementsFile, host);
  if (required.length === 0)
    throw new Error(`${requirementsFile} lists no provider: it is not the AWS stacks' list`);
  await lock.entriesFor(required, [`the AWS stacks as ${basename(requirementsFile)} lists them`], host);
}

/** Synthesized and restored stacks live in `…/stacks/<id>`. */
function stackName(dir: string): string {
  return `stack '${basename(dir)}'`;
}
