// A second run against a stack whose state is locked, with the real terraform binary and the local backend.
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { synthesize, type SynthesizedStack } from '../../src/engine/synth.ts';
import { StateLockedError, TerraformCli, type TerraformEvent } from '../../src/engine/terraform.ts';
import { localLab, slowStackApp, tempDir } from './fixtures/stack-apps.ts';

let work: Awaited<ReturnType<typeof tempDir>>;
let stack: SynthesizedStack;

beforeEach(async () => {
  work = await tempDir('lock');
  const lab = localLab(work.path);
  [stack] = synthesize(slowStackApp(lab, 2), join(work.path, 'cdktf.out')).stacks as [SynthesizedStack];
  await new TerraformCli().init(stack.workingDirectory);
});
afterEach(async () => work.remove());

/** Starts an apply and resolves once terraform is creating the slow resource, i.e. holds the state lock. */
async function startHoldingApply(): Promise<{ finished: Promise<unknown> }> {
  let holding!: () => void;
  const lockHeld = new Promise<void>((resolve) => (holding = resolve));
  const onEvent = (event: TerraformEvent): void => {
    if (event.type === 'apply_start') holding();
  };
  const finished = new TerraformCli().apply(stack.workingDirectory, onEvent);
  await Promise.race([lockHeld, finished]);
  return { finished };
}

it('fails a second apply at once with StateLockedError naming who holds the lock', async () => {
  const first = await startHoldingApply();

  const error = await new TerraformCli({ lockTimeoutSeconds: 0 })
    .apply(stack.workingDirectory)
    .catch((e: unknown) => e);

  expect(error).toBeInstanceOf(StateLockedError);
  const { lock } = error as StateLockedError;
  expect(lock.path).toBe((stack.backend as { path: string }).path);
  expect(lock).toMatchObject({ operation: 'OperationTypeApply', who: expect.stringContaining('@') });
  expect(lock.id).toMatch(/^[0-9a-f-]{36}$/);
  expect((error as Error).message).toContain(`force-unlock ${lock.id}`);
  expect((error as Error).message).toContain(`locked by ${lock.who}`);
  await first.finished;
});

it('waits for the lock with a lock timeout and applies once the first run is done', async () => {
  const order: string[] = [];
  const first = await startHoldingApply();
  const firstDone = first.finished.then(() => order.push('first done'));

  await new TerraformCli({ lockTimeoutSeconds: 30 }).apply(stack.workingDirectory);
  order.push('second done');
  await firstDone;

  expect(order).toEqual(['first done', 'second done']);
});
