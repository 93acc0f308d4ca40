// The runs of a lab proven gone, and the one rule for the terraform locks they left: a run that takes a lab's lock
// over — provision, teardown or the sweep — first writes what the gone run was doing into the manifest (so the
// evidence outlives this run too), then removes a state lock only when its id and holder match a gone run's
// (docs/design/interruptions.md §3).
import type { OnStateLocked } from '../engine/lifecycle.ts';
import { strandedOn, withInterruption, type LabManifest, type ManifestStore } from '../engine/manifest.ts';
import type { RunLease } from '../engine/run-lock.ts';
import { deadRunOwnsLock, type DeadRun } from '../engine/takeover.ts';
import type { TerraformRunner } from '../engine/terraform.ts';

/** The signal recorded for a run that ended without one tslab saw (runner lost, SIGKILL, a timed-out job). */
export const LOST_RUN = 'lost';

type TakenOver = RunLease['takenOver'];

/**
 * Records the run whose lock was taken over as interrupted in the lab's manifest, with the stacks it was running and
 * their lock ids: a run killed outright recorded nothing itself, and its lock holder — the only trace — is gone once
 * this run releases the lock. Returns the manifest as it now is.
 */
export async function handOnEvidence(
  store: ManifestStore,
  lab: string,
  takenOver: TakenOver,
  now: Date,
): Promise<LabManifest | undefined> {
  const manifest = await store.read(lab).catch(() => undefined);
  const holder = takenOver?.holder;
  if (!manifest || !holder?.stacks?.length) return manifest;
  const who = whoOf(holder);
  let recorded = manifest;
  for (const stack of holder.stacks) {
    const known = recorded.stacks[stack.id];
    // The gone run recorded this stack itself (it saw its signal), or saw no lock of its own there: what is recorded
    // (perhaps an earlier run's lock) stays.
    if (known?.status === 'interrupted' && known.stateLockId) continue;
    if (!stack.stateLockId && known?.stateLockId) continue;
    recorded = {
      ...recorded,
      stacks: {
        ...recorded.stacks,
        [stack.id]: {
          status: 'interrupted',
          updatedAt: now.toISOString(),
          who,
          ...(stack.stateLockId ? { stateLockId: stack.stateLockId } : {}),
        },
      },
    };
  }
  if (recorded === manifest) return manifest;
  const first = holder.stacks[0]!.id;
  recorded = withInterruption(recorded, {
    at: now.toISOString(),
    signal: LOST_RUN,
    operation: holder.operation,
    stack: first,
    who,
  });
  // Best effort: this run still knows the gone run from its lock; only a later run would miss the record.
  await store.write(recorded).catch(() => undefined);
  return recorded;
}

/** The gone runs a left-over state lock may belong to: the run taken over, and every interruption still recorded. */
export function deadRunsOf(manifest: LabManifest | undefined, takenOver: TakenOver): DeadRun[] {
  const runs: DeadRun[] = [];
  const holder = takenOver?.holder;
  for (const stack of holder?.stacks ?? []) {
    runs.push({
      who: whoOf(holder!),
      stack: stack.id,
      stateLockId: stack.stateLockId,
      source: `the ${holder!.operation} run taken over (${takenOver!.why})`,
    });
  }
  const interrupted = manifest?.interrupted;
  for (const [stack, record] of Object.entries(manifest?.stacks ?? {})) {
    const who = record.who ?? interrupted?.who;
    // An interrupted stack, or one a later run started and did not finish: an earlier run's lock may still be there.
    if (!strandedOn(record) || !who) continue;
    const how =
      !interrupted || who !== interrupted.who
        ? `an earlier run (${who}) cut short`
        : interrupted.signal === LOST_RUN
          ? `the ${interrupted.operation} found gone at ${interrupted.at}`
          : `the ${interrupted.operation} interrupted by ${interrupted.signal} at ${interrupted.at}`;
    runs.push({ who, stack, stateLockId: record.stateLockId, source: how });
  }
  return runs;
}

/**
 * What a run does on a locked state: removes the lock when a gone run owns it (and says so through `removed`), keeps
 * it otherwise, saying why in the log.
 */
export function unlockStranded(
  deadRuns: readonly DeadRun[],
  terraform: TerraformRunner,
  removed: (line: string) => void,
  log: ((line: string) => void) | undefined,
): OnStateLocked {
  return async (stackId, dir, locked) => {
    const verdicts = deadRuns.map((run) => ({ run, verdict: deadRunOwnsLock(run, stackId, locked.lock) }));
    const owner = verdicts.find((v) => v.verdict.owns);
    if (!owner || !terraform.forceUnlock) {
      for (const { verdict } of verdicts) {
        if (!verdict.owns) log?.(`state lock of '${stackId}' kept: ${verdict.why}`);
      }
      return false;
    }
    await terraform.forceUnlock(dir, locked.lock.id);
    removed(
      `removed terraform's lock ${locked.lock.id} on stack '${stackId}' left by ${owner.run.source} (${locked.lock.who})`,
    );
    return true;
  };
}

function whoOf(holder: NonNullable<TakenOver>['holder']): string {
  return `${holder.user ?? ''}@${holder.host}`;
}
