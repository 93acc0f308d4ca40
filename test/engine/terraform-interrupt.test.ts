// The real terraform binary, stopped the way the runner stops a step (docs/design/interruptions.md §1, §2): one
// SIGINT makes it stop at a safe point, write its state and release its lock; a second one makes it exit at once, and
// tslab stops waiting for it after about a second. Either way the stack and the lab are recorded `interrupted`.
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { InterruptedError, InterruptionController } from '../../src/engine/interruption.ts';
import { LocalLabStore } from '../../src/engine/lab-stores.ts';
import { deployLab } from '../../src/engine/lifecycle.ts';
import { buildManifest } from '../../src/engine/manifest.ts';
import { synthesize, type SynthesizedStack } from '../../src/engine/synth.ts';
import { TerraformCli } from '../../src/engine/terraform.ts';
import type { LabConfig } from '../../src/lab/config.ts';
import { localLab, slowStackApp, tempDir } from './fixtures/stack-apps.ts';

let work: Awaited<ReturnType<typeof tempDir>>;
let lab: LabConfig;
let stacks: SynthesizedStack[];
let store: LocalLabStore;

beforeEach(async () => {
  work = await tempDir('interrupt');
  lab = localLab(work.path, 'stopped');
  stacks = synthesize(slowStackApp(lab, 30), join(work.path, 'cdktf.out')).stacks;
  store = new LocalLabStore(join(work.path, 'labs'));
});
afterEach(async () => work.remove());

/** Applies the 30-second stack and interrupts it once the resource is being created. */
async function applyAndInterrupt(signals: ('SIGINT' | 'SIGTERM')[]) {
  const interruption = new InterruptionController();
  const terraform = new TerraformCli({ binary: 'terraform', lockTimeoutSeconds: 0, interruption });
  let signalledAt = 0;
  const applied = deployLab({
    stacks,
    terraform,
    store,
    manifest: buildManifest(lab),
    interruption,
    runIdentity: () => ({ who: 'root@here' }),
    onProgress: (event) => {
      if (event.kind === 'terraform' && event.event.type === 'apply_start') {
        signalledAt = performance.now();
        signals.forEach((signal, index) =>
          setTimeout(() => interruption.interrupt(signal), 300 + index * 500),
        );
      }
    },
  });
  const error = await applied.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  return { error, stoppedAfterMs: performance.now() - signalledAt };
}

it('one SIGINT: terraform stops at a safe point, well inside the runner window; the lab is recorded interrupted', async () => {
  const { error, stoppedAfterMs } = await applyAndInterrupt(['SIGINT']);
  expect(error).toBeInstanceOf(InterruptedError);
  expect((error as InterruptedError).message).toMatch(
    /interrupted by SIGINT during the apply of stack 'slow'/,
  );
  // The 30-second provisioner is cut short: stopped long before it would have ended, and before SIGTERM (7.5 s).
  expect(stoppedAfterMs).toBeLessThan(7_500);
  const manifest = await store.read(lab.id);
  expect(manifest?.stacks['slow']?.status).toBe('interrupted');
  expect(manifest?.interrupted).toMatchObject({
    signal: 'SIGINT',
    operation: 'apply',
    stack: 'slow',
    who: 'root@here',
  });
  // Terraform released its state lock: a new apply takes it at once (lock timeout 0) and completes... quickly stopped
  // again here, which is enough to show the lock is free.
  const again = await applyAndInterrupt(['SIGINT']);
  expect(again.error).toBeInstanceOf(InterruptedError);
  expect(String(again.error)).not.toMatch(/state lock/i);
}, 60_000);

it('SIGINT then SIGTERM to a binary that will not stop: two SIGINTs reach it, and tslab stops waiting ~1 s after the second', async () => {
  // A stand-in for a terraform stuck in a provider call: it counts the interrupts it gets and never exits by itself.
  const binary = join(work.path, 'stubborn') as `/${string}`;
  await writeFile(
    binary,
    `#!/bin/sh\nn=0\ntrap 'n=$((n+1)); echo $n > "${work.path}/interrupts"' INT\nwhile :; do sleep 0.05; done\n`,
    { mode: 0o755 },
  );
  const interruption = new InterruptionController();
  const terraform = new TerraformCli({ binary, interruption });
  const applied = terraform.apply(work.path).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  interruption.interrupt('SIGINT');
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(await readFile(join(work.path, 'interrupts'), 'utf8')).toBe('1\n');
  const hurried = performance.now();
  interruption.interrupt('SIGTERM');
  const error = await applied;
  const waitedMs = performance.now() - hurried;
  expect(error).toBeInstanceOf(InterruptedError);
  expect(await readFile(join(work.path, 'interrupts'), 'utf8')).toBe('2\n');
  // Inside the 2.5 s the runner leaves between its SIGTERM and its kill.
  expect(waitedMs).toBeGreaterThan(1_000);
  expect(waitedMs).toBeLessThan(2_000);
  spawnSync('pkill', ['-KILL', '-f', binary]);
}, 30_000);

it('a stopped run starts no terraform command', async () => {
  const interruption = new InterruptionController();
  interruption.interrupt('SIGINT');
  const terraform = new TerraformCli({ binary: 'terraform', interruption });
  await expect(terraform.init(stacks[0]!.workingDirectory)).rejects.toThrow(
    /interrupted by SIGINT before terraform init/,
  );
});
