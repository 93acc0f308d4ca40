// Local-backend state files: whether a stack has anything to destroy, and removing them once it has been destroyed.
import { access, readFile, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * True when the state file lists at least one managed resource (data sources alone need no destroy), or when another
 * terraform holds its lock: a running apply may be creating resources its state does not list yet, so terraform itself
 * must wait for the lock and look.
 */
export async function hasLocalState(statePath: string): Promise<boolean> {
  if (await exists(lockInfoOf(statePath))) return true;
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
  for (const file of [statePath, `${statePath}.backup`, lockInfoOf(statePath)])
    await rm(file, { force: true });
  await rmdir(dirname(statePath)).catch(() => undefined);
}

/** Where the local backend records who holds a state's lock, while it is held. */
function lockInfoOf(statePath: string): string {
  return join(dirname(statePath), `.${basename(statePath)}.lock.info`);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
