// How the interruption tests tell an ending that needs a person from one that does not.
import { LabBusyError } from '../../../src/engine/run-lock.ts';
import { StateLockedError } from '../../../src/engine/terraform.ts';

/** The error and its causes, outermost first. */
export function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e !== undefined && chain.length < 10; e = (e as { cause?: unknown }).cause)
    chain.push(e);
  return chain;
}

/** A run that ends on a held lock (terraform's or the lab's) needs a person: it is a manual step. */
export function manualStep(error: unknown): boolean {
  return causes(error).some((e) => e instanceof StateLockedError || e instanceof LabBusyError);
}
