// Local-backend state files: whether a stack has anything to destroy, and removing them once it has been destroyed.
import { readFile, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** True when the state file lists at least one managed resource (data sources alone need no destroy). */
export async function hasLocalState(statePath: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(statePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  try {
    const state = JSON.parse(text) as { resources?: { mode?: string }[] };
    return (state.resources ?? []).some((resource) => resource.mode !== 'data');
  } catch {
    // Unreadable state is not proof of absence: let terraform look at it.
    return true;
  }
}

/** Whether an address from `state list` is a managed resource rather than a data source. */
export function isManagedAddress(address: string): boolean {
  return !address.replace(/^(?:module\.[^.[]+(?:\[[^\]]*\])?\.)*/, '').startsWith('data.');
}

/** Deletes the state file, its backup and a stale lock-info file, then the state folder if that left it empty. */
export async function removeLocalState(statePath: string): Promise<void> {
  const lockInfo = join(dirname(statePath), `.${basename(statePath)}.lock.info`);
  for (const file of [statePath, `${statePath}.backup`, lockInfo]) await rm(file, { force: true });
  await rmdir(dirname(statePath)).catch(() => undefined);
}
