// cdktf's Testing.app() makes a cdktf.outdir.* directory in the system temp dir for every app and never removes it.
// testApp() is Testing.app() writing under one directory of the test file's own, removed after the file's tests:
// imported by a test file, this module's afterAll belongs to that file (each file runs in its own module graph).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing, type App, type TestingAppConfig } from 'cdktf';
import { afterAll } from 'vitest';

let root: string | undefined;

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

/** A fresh directory for one app's output, removed with the others after the test file. */
export function testOutdir(): string {
  root ??= mkdtempSync(join(tmpdir(), 'tslab-cdktf-'));
  return mkdtempSync(join(root, 'app-'));
}

/** Testing.app() (stubbed version, future flags) with its output under testOutdir(). */
export function testApp(options: Omit<TestingAppConfig, 'outdir'> = {}): App {
  return Testing.app({ ...options, outdir: testOutdir() });
}
