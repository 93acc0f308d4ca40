// The real terraform binary, stopped the way the runner stops a step (docs/design/interruptions.md §1, §2): one
// SIGINT makes it stop at a safe point, write its state and release its lock; a second one makes it exit at once, and
// tslab stops waiting for it after about a second. Either way the stack and the lab are recorded `interrupted`.
// Each step waits for what the binary does (a file its provisioner creates, a line it prints), never a fixed time.
import { existsSync, watch } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { InterruptedError, InterruptionController } from '../../src/engine/interruption.ts';
import { LocalLabStore } from '../../src/engine/lab-stores.ts';
import { deployLab } from '../../src/engine/lifecycle.ts';
import { buildManifest } from '../../src/engine/manifest.ts';
import { synthesize, type SynthesizedStack } from '../../src/engine/synth.ts';
import { TerraformCli, type TerraformEvent } from '../../src/engine/terraform.ts';
import type { LabConfig } from '../../src/lab/config.ts';
import { localLab, slowStackApp, tempDir } from './fixtures/stack-apps.ts';

let work: Awaited<ReturnType<typeof tempDir>>;
let lab: LabConfig;
let stacks: SynthesizedStack[];
let store: LocalLabStore;
/** Created by the slow stack's provisioner as its 30-second hold begins. */
let holding: string;

beforeEach(async () => {
  work = await tempDir('interrupt');
  lab = localLab(work.path, 'stopped');
  holding = join(work.path, 'holding');
  stacks = synthesize(slowStackApp(lab, 30, holding), join(work.path, 'cdktf.out')).stacks;
  store = new LocalLabStore(join(work.path, 'labs'));
});
afterEach(async () => work.remove());

/** Resolves once `file` exists, told by the directory's watch (no polling interval); `close` stops watching. */
function appearance(file: string): { appeared: Promise<void>; close: () => void } {
  const watcher = watch(dirname(file));
  const appeared = new Promise<void>((resolve, reject) => {
    const check = () => existsSync(file) && resolve();
    watcher.on('change', check).on('error', reject);
    check();
  });
  return { appeared, close: () => watcher.close() };
}

/** Applies the 30-second stack and interrupts it once its provisioner is holding the apply. */
async function applyAndInterrupt() {
  await rm(holding, { force: true });
  const interruption = new InterruptionController();
  const terraform = new TerraformCli({ binary: 'terraform', lockTimeoutSeconds: 0, interruption });
  const events: TerraformEvent[] = [];
  let signalledAt: number | undefined;
  const hold = appearance(holding);
  void hold.appeared.then(() => {
    signalledAt = performance.now();
    interruption.interrupt('SIGINT');
  });
  const error = await deployLab({
    stacks,
    terraform,
    store,
    manifest: buildManifest(lab),
    interruption,
    runIdentity: () => ({ who: 'root@here' }),
    onProgress: (event) => {
      if (event.kind === 'terraform') events.push(event.event);
    },
  }).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  hold.close();
  return {
    error,
    events,
    stoppedAfterMs: signalledAt === undefined ? undefined : performance.now() - signalledAt,
  };
}

it('one SIGINT: terraform stops at a safe point, well inside the runner window; the lab is recorded interrupted', async () => {
  const { error, events, stoppedAfterMs } = await applyAndInterrupt();
  expect(error).toBeInstanceOf(InterruptedError);
  expect((error as InterruptedError).message).toMatch(
    /interrupted by SIGINT during the apply of stack 'slow'/,
  );
  // The 30-second provisioner was running and is cut short: the resource errors instead of completing...
  expect(events.map((event) => event.type)).toContain('apply_errored');
  expect(events.map((event) => event.type)).not.toContain('apply_complete');
  // ...and terraform is gone before the runner's SIGTERM (7.5 s after its SIGINT): a bound against a hang only.
  expect(stoppedAfterMs).toBeLessThan(7_500);
  const manifest = await store.read(lab.id);
  expect(manifest?.stacks['slow']?.status).toBe('interrupted');
  expect(manifest?.interrupted).toMatchObject({
    signal: 'SIGINT',
    operation: 'apply',
    stack: 'slow',
    who: 'root@here',
  });
  // Terraform released its state lock: a new apply takes it at once (lock timeout 0) and gets as far as the
  // provisioner again before it too is stopped, which is enough to show the lock is free.
  const again = await applyAndInterrupt();
  expect(again.error).toBeInstanceOf(InterruptedError);
  expect(String(again.error)).not.toMatch(/state lock/i);
  expect(again.stoppedAfterMs).toBeDefined();
}, 60_000);

it('SIGINT then SIGTERM to a binary that will not stop: two SIGINTs reach it, and tslab stops waiting ~1 s after the second', async () => {
  // A stand-in for a terraform stuck in a provider call: it prints (as terraform's -json lines) that it is up, with
  // its pid, and each interrupt it gets, and never exits by itself.
  const binary = join(work.path, 'stubborn') as `/${string}`;
  await writeFile(
    binary,
    [
      '#!/bin/sh',
      `say() { printf '{"type":"apply_start","hook":{"resource":{"addr":"%s"},"action":"create"}}\\n' "$1"; }`,
      'n=0',
      "trap 'n=$((n+1)); say interrupt.$n' INT",
      'say up.$$',
      'while :; do sleep 0.05; done',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  const said: string[] = [];
  const waiters: { prefix: string; resolve: (address: string) => void }[] = [];
  const onEvent = (event: TerraformEvent) => {
    if (event.type !== 'apply_start') return;
    said.push(event.address);
    for (const waiter of waiters.filter((w) => event.address.startsWith(w.prefix)))
      waiter.resolve(event.address);
  };
  const says = (prefix: string) =>
    new Promise<string>((resolve) => {
      const already = said.find((address) => address.startsWith(prefix));
      if (already) resolve(already);
      else waiters.push({ prefix, resolve });
    });

  const interruption = new InterruptionController();
  const terraform = new TerraformCli({ binary, interruption });
  const applied = terraform.apply(work.path, onEvent).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  // Its trap is set once it says it is up; a SIGINT before that would simply end it.
  const pid = Number((await says('up.')).slice('up.'.length));
  try {
    interruption.interrupt('SIGINT');
    await says('interrupt.1');
    const hurried = performance.now();
    interruption.interrupt('SIGTERM');
    await says('interrupt.2');
    const error = await applied;
    const waitedMs = performance.now() - hurried;
    expect(error).toBeInstanceOf(InterruptedError);
    // Exactly one SIGINT per stage, in order.
    expect(said).toEqual([`up.${pid}`, 'interrupt.1', 'interrupt.2']);
    // tslab stopped waiting: the binary still runs (signal 0 only asks whether it exists).
    expect(() => process.kill(pid, 0)).not.toThrow();
    // It gave the binary its grace (a timer never fires early), and let go inside the 2.5 s the runner leaves
    // between its SIGTERM and its kill.
    expect(waitedMs).toBeGreaterThanOrEqual(1_000);
    expect(waitedMs).toBeLessThan(2_500);
  } finally {
    // The stub leads its own process group (terraform runs detached): the group holds it and its sleep.
    process.kill(-pid, 'SIGKILL');
  }
}, 30_000);

it('a stopped run starts no terraform command', async () => {
  const interruption = new InterruptionController();
  interruption.interrupt('SIGINT');
  const terraform = new TerraformCli({ binary: 'terraform', interruption });
  await expect(terraform.init(stacks[0]!.workingDirectory)).rejects.toThrow(
    /interrupted by SIGINT before terraform init/,
  );
});
