// A release of the current commit made by scripts/release.ts, built once per commit (and release script) and shared
// by every test process that asks: the first builds under a lock directory, the others wait for its answer.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { release, type ReleaseResult } from '../../scripts/release.ts';

export const TEST_VERSION = 'v0.1.0';
const BUILD_TIMEOUT_MS = 15 * 60_000;

function headCommit(): string {
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' });
  if (head.status !== 0) throw new Error(`the release tests need a git checkout: ${head.stderr}`);
  return head.stdout.trim();
}

function cacheKey(): string {
  const hash = createHash('sha256').update(headCommit());
  for (const script of ['scripts/release.ts', 'scripts/build-actions.js']) hash.update(readFileSync(script));
  return hash.digest('hex').slice(0, 16);
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function releasedTree(): ReleaseResult {
  const dir = join(tmpdir(), `tslab-release-${cacheKey()}`);
  const answer = join(dir, 'result.json');
  const lock = `${dir}.lock`;
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  while (!existsSync(answer)) {
    try {
      mkdirSync(lock);
    } catch {
      // Another process builds; a lock older than the build timeout belongs to a process that died.
      if (Date.now() - statSync(lock).mtimeMs > BUILD_TIMEOUT_MS)
        rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline)
        throw new Error(`no release after ${BUILD_TIMEOUT_MS / 60_000} min (${lock})`);
      sleep(1_000);
      continue;
    }
    try {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      const result = release({ version: TEST_VERSION, source: '.', ref: 'HEAD', out: dir });
      writeFileSync(answer, JSON.stringify(result));
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return JSON.parse(readFileSync(answer, 'utf8')) as ReleaseResult;
}
