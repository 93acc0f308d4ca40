// Runs terraform or tofu per stack directory: no shell, line-streamed -json output, typed events, classified errors.
// We drive the binary ourselves rather than `cdktf deploy` for per-stack control, machine-readable outputs and exit
// codes (docs/design/engine.md §1).
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { basename, isAbsolute } from 'node:path';
import { createInterface } from 'node:readline';
import { InterruptedError, throwIfStopped, type Interruption } from './interruption.ts';
import { ProviderLock } from './provider-lock.ts';
import { registryHostOf } from './stack-providers.ts';
import { classifyFailure, TerraformError } from './terraform-errors.ts';
import { UiEventParser, type ChangeCounts, type TerraformEvent } from './terraform-events.ts';
import { TerraformOutputs } from './terraform-outputs.ts';

export { StateLockedError, TerraformError, type LockInfo } from './terraform-errors.ts';
export type { ChangeCounts, Diagnostic, TerraformEvent } from './terraform-events.ts';
export { TerraformOutputs } from './terraform-outputs.ts';

/** A binary on PATH by its well-known name, or an absolute path (never a relative one: it would depend on cwd). */
export type TerraformBinary = 'terraform' | 'tofu' | `/${string}`;

export interface TerraformCliOptions {
  binary?: TerraformBinary | undefined;
  /** Environment the binary sees (cloud credentials, TF_VAR_*); defaults to this process's. */
  env?: NodeJS.ProcessEnv | undefined;
  /** Shared provider cache, so each stack's init reuses downloaded providers (TF_PLUGIN_CACHE_DIR). */
  pluginCacheDir?: string | undefined;
  /** How long apply/destroy wait for a held state lock before failing with StateLockedError; terraform's default is 0. */
  lockTimeoutSeconds?: number | undefined;
  /** Stops a running command the way a terminal would: SIGINT, then a second SIGINT (docs/design/interruptions.md §2). */
  interruption?: Interruption | undefined;
  /**
   * The lock file every init checks providers against (docs/supply-chain.md); default the repository's
   * infra/providers/.terraform.lock.hcl (in a bundle, the copy beside it).
   */
  providerLockFile?: string | undefined;
}

export type EventSink = (event: TerraformEvent) => void;

export interface DestroyFlags {
  /**
   * false: destroy from state alone, reading no data source and refreshing nothing — for a stack whose API is out
   * of reach (a private cluster whose tailnet route is gone).
   */
  refresh?: boolean;
}

/** What the lifecycle needs from terraform; TerraformCli is the real one. */
export interface TerraformRunner {
  init(dir: string): Promise<void>;
  /**
   * Fails (ProviderLockError) when a provider these stacks require has no checksum in the lock file, running
   * nothing: the lifecycle asks before the first stack starts.
   */
  checkProviderLock?(dirs: readonly string[]): Promise<void>;
  apply(dir: string, onEvent?: EventSink): Promise<ChangeCounts>;
  destroy(dir: string, onEvent?: EventSink, options?: DestroyFlags): Promise<ChangeCounts>;
  /** Forgets resources without touching them (their infrastructure is gone or goes with something else). */
  stateRm?(dir: string, addresses: readonly string[]): Promise<void>;
  output(dir: string): Promise<TerraformOutputs>;
  /** Resource addresses in the stack's state; empty when there is no state at all. */
  stateList(dir: string): Promise<string[]>;
  /** Removes the state lock `lockId` (terraform refuses another id); only for the lock of a run that is gone. */
  forceUnlock?(dir: string, lockId: string): Promise<void>;
}

interface RunResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

const STDERR_TAIL_CHARS = 16_000;
/**
 * After terraform's second interrupt tslab waits this long for it, then records the lab and releases its run lock
 * without it: the runner kills tslab 2.5 s after its SIGTERM (docs/design/interruptions.md §1).
 */
const ABANDON_AFTER_HURRY_MS = 1_200;

export class TerraformCli implements TerraformRunner {
  readonly binary: TerraformBinary;
  private readonly env: NodeJS.ProcessEnv;
  private readonly pluginCacheDir: string | undefined;
  private readonly lockTimeoutSeconds: number | undefined;
  private readonly interruption: Interruption | undefined;
  readonly providerLock: ProviderLock;

  constructor(options: TerraformCliOptions = {}) {
    const binary = options.binary ?? 'terraform';
    if (binary !== 'terraform' && binary !== 'tofu' && !isAbsolute(binary)) {
      throw new Error(`Terraform binary must be 'terraform', 'tofu' or an absolute path, not '${binary}'`);
    }
    if (options.lockTimeoutSeconds !== undefined && !(options.lockTimeoutSeconds >= 0)) {
      throw new Error(`Lock timeout must be zero or more seconds, not ${options.lockTimeoutSeconds}`);
    }
    this.binary = binary;
    this.pluginCacheDir = options.pluginCacheDir;
    this.lockTimeoutSeconds = options.lockTimeoutSeconds;
    this.interruption = options.interruption;
    this.providerLock = new ProviderLock(options.providerLockFile);
    const inherited = { ...(options.env ?? process.env) };
    // It lets init take a cached provider the lock file has no checksum for: the lock file has the last word.
    delete inherited.TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE;
    this.env = {
      ...inherited,
      // Terraform words its messages for automation and never waits for input that will not come.
      TF_IN_AUTOMATION: '1',
      // No version check against checkpoint-api.hashicorp.com: runs are offline-safe and quiet.
      CHECKPOINT_DISABLE: '1',
      TF_INPUT: '0',
      ...(options.pluginCacheDir ? { TF_PLUGIN_CACHE_DIR: options.pluginCacheDir } : {}),
    };
  }

  /** e.g. { name: 'tofu', version: '1.10.6' }, from `version -json`. */
  async version(): Promise<{ name: string; version: string }> {
    const result = await this.mustRun(['version', '-json'], process.cwd());
    const parsed = JSON.parse(result.stdout) as { terraform_version?: string };
    if (!parsed.terraform_version) throw new Error(`${this.name} version -json printed no terraform_version`);
    return { name: this.name, version: parsed.terraform_version };
  }

  /**
   * Writes the stack's lock file from the committed one (failing before terraform starts when a provider has no
   * checksum), then inits without letting terraform add to it: a package that matches no recorded checksum stops it.
   */
  async init(dir: string): Promise<void> {
    await this.providerLock.writeInto(dir, registryHostOf(this.binary));
    // Terraform ignores a cache dir that does not exist; create it so the first stack fills it for the others.
    if (this.pluginCacheDir) await mkdir(this.pluginCacheDir, { recursive: true });
    await this.mustRun(['init', '-input=false', '-no-color', '-lockfile=readonly'], dir);
  }

  checkProviderLock(dirs: readonly string[]): Promise<void> {
    return this.providerLock.check(dirs, registryHostOf(this.binary));
  }

  apply(dir: string, onEvent: EventSink = () => {}): Promise<ChangeCounts> {
    return this.runWithEvents('apply', dir, onEvent);
  }

  destroy(dir: string, onEvent: EventSink = () => {}, options: DestroyFlags = {}): Promise<ChangeCounts> {
    return this.runWithEvents('destroy', dir, onEvent, options.refresh === false ? ['-refresh=false'] : []);
  }

  async stateRm(dir: string, addresses: readonly string[]): Promise<void> {
    if (addresses.length) await this.mustRun(['state', 'rm', '-no-color', ...addresses], dir);
  }

  /** Parsed `output -json`. Its stdout holds sensitive values, so it is never echoed, not even in errors. */
  async output(dir: string): Promise<TerraformOutputs> {
    const result = await this.mustRun(['output', '-json', '-no-color'], dir);
    return TerraformOutputs.fromJson(result.stdout);
  }

  async forceUnlock(dir: string, lockId: string): Promise<void> {
    await this.mustRun(['force-unlock', '-force', '-no-color', lockId], dir);
  }

  async stateList(dir: string): Promise<string[]> {
    const result = await this.run(['state', 'list', '-no-color'], dir);
    // A backend that has never been written to makes `state list` fail rather than print nothing.
    if (result.exitCode === 1 && /No state file was found/i.test(result.stderr)) return [];
    if (result.exitCode !== 0) throw this.failure('state list', dir, result);
    return result.stdout.split('\n').filter((line) => line.trim() !== '');
  }

  private get name(): string {
    return basename(this.binary);
  }

  private async runWithEvents(
    command: 'apply' | 'destroy',
    dir: string,
    onEvent: EventSink,
    extra: readonly string[] = [],
  ): Promise<ChangeCounts> {
    const parser = new UiEventParser();
    const lockTimeout =
      this.lockTimeoutSeconds === undefined ? [] : [`-lock-timeout=${this.lockTimeoutSeconds}s`];
    const args = [command, '-auto-approve', '-input=false', '-json', '-no-color', ...lockTimeout, ...extra];
    const result = await this.run(args, dir, (line) => {
      for (const event of parser.parseLine(line)) onEvent(event);
    });
    if (result.exitCode !== 0) {
      const stopped = this.interruption?.stop.reason as unknown;
      if (stopped instanceof InterruptedError) {
        throw new InterruptedError(stopped.signal, `during ${this.name} ${command} in ${dir}`);
      }
      throw classifyFailure({
        command: `${this.name} ${command}`,
        dir,
        exitCode: result.exitCode,
        diagnostics: parser.errors,
        stderr: result.stderr,
      });
    }
    return parser.summary ?? { add: 0, change: 0, remove: 0 };
  }

  private async mustRun(args: string[], dir: string): Promise<RunResult> {
    const result = await this.run(args, dir);
    if (result.exitCode !== 0) throw this.failure(args[0] ?? '', dir, result);
    return result;
  }

  private failure(command: string, dir: string, result: RunResult): TerraformError {
    return classifyFailure({
      command: `${this.name} ${command}`,
      dir,
      exitCode: result.exitCode,
      diagnostics: [],
      stderr: result.stderr,
    });
  }

  /**
   * Spawns without a shell; with `onLine`, stdout is streamed line by line instead of collected. The binary runs in
   * its own process group, so a terminal's Ctrl-C reaches only tslab, which passes exactly one SIGINT on (a second
   * one from the terminal as well would make terraform exit at once, state unwritten). Nothing new starts once the
   * run is stopped.
   */
  private run(args: string[], dir: string, onLine?: (line: string) => void): Promise<RunResult> {
    throwIfStopped(this.interruption, `before ${this.name} ${args[0] ?? ''} in ${dir}`);
    return new Promise((resolvePromise, reject) => {
      const child = spawn(this.binary, args, {
        cwd: dir,
        env: this.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      const unwatch = this.passInterruptsTo(child, () => {
        // Its pipes stay open and read: a Go binary writing to a closed stdout dies of SIGPIPE before unlocking.
        unwatch();
        resolvePromise({
          exitCode: undefined,
          stdout,
          stderr: `${stderr}\n(${this.name} abandoned while exiting)`,
        });
      });
      let stdout = '';
      let stderr = '';
      const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
      lines.on('line', (line) => {
        if (onLine) onLine(line);
        else stdout += `${line}\n`;
      });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
      });
      child.on('error', (error: NodeJS.ErrnoException) => {
        unwatch();
        const reason =
          error.code === 'ENOENT'
            ? `'${this.binary}' is not installed or not on PATH, or the directory does not exist`
            : error.message;
        reject(new Error(`Could not run ${this.name} ${args[0] ?? ''} in ${dir}: ${reason}`));
      });
      // 'close' comes after stdout ended, so every line has been handed to onLine by then.
      child.on('close', (code) => {
        unwatch();
        resolvePromise({ exitCode: code ?? undefined, stdout, stderr });
      });
    });
  }

  /**
   * Stop: one SIGINT (terraform stops at a safe point). Hurry: a second one, after which terraform skips the final
   * state write but still tries, for up to 5 s, to release its lock (docs/design/interruptions.md §2). It is not
   * killed: tslab stops waiting for it after ABANDON_AFTER_HURRY_MS and leaves it to release its lock on its own.
   */
  private passInterruptsTo(child: ReturnType<typeof spawn>, abandon: () => void): () => void {
    const signal = (name: NodeJS.Signals) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(name);
    };
    let abandonTimer: NodeJS.Timeout | undefined;
    const onStop = () => signal('SIGINT');
    const onHurry = () => {
      signal('SIGINT');
      abandonTimer = setTimeout(abandon, ABANDON_AFTER_HURRY_MS);
      abandonTimer.unref();
    };
    // tslab exiting for any other reason must not leave terraform applying on its own, unseen.
    const onExit = () => signal('SIGINT');
    this.interruption?.stop.addEventListener('abort', onStop, { once: true });
    this.interruption?.hurry.addEventListener('abort', onHurry, { once: true });
    process.once('exit', onExit);
    return () => {
      this.interruption?.stop.removeEventListener('abort', onStop);
      this.interruption?.hurry.removeEventListener('abort', onHurry);
      process.off('exit', onExit);
      if (abandonTimer) clearTimeout(abandonTimer);
    };
  }
}
