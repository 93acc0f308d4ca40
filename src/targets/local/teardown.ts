// Teardown of the local lab through the real pipeline: the same engine (terraform destroying terraform_data pieces)
// as provision, then a sweep by name that also clears what a killed provision left.
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { destroyLab, type DestroyResult } from '../../engine/lifecycle.ts';
import type { HomeRun, LabHome, OperationIo } from '../../home/lab-home.ts';
import type { LabConfig } from '../../lab/config.ts';
import { localPlan, namespacePrefix } from '../../../infra/local/plan.ts';
import { destroyScript, localTopology } from '../../../infra/local/topology.ts';

const exec = promisify(execFile);

export interface LocalTeardownResult extends DestroyResult {
  /** Namespaces found by name after terraform's destroy and removed by the sweep (a killed provision leaves these). */
  swept: string[];
}

export function teardownLocalLab(home: LabHome, io: OperationIo = {}): Promise<LocalTeardownResult> {
  return home.run('teardown', io, teardownHoldingLock);
}

/** The teardown itself, for a caller that holds the lab's run lock (a provision undoing itself). */
export async function teardownHoldingLock(run: HomeRun): Promise<LocalTeardownResult> {
  const result = await destroyLab({
    stacks: await run.restore(),
    terraform: run.terraform(),
    store: run.store,
    lab: run.lab.id,
    onProgress: run.onProgress,
    interruption: run.interruption,
    runIdentity: run.runIdentity,
  });
  const swept = await sweepLocalRemains(run.lab);
  return { ...result, swept, nothingToDo: result.nothingToDo && swept.length === 0 };
}

/**
 * Runs every piece's undo script (each is idempotent) whatever the state says, then checks by name that no
 * namespace of the lab is left: terraform never learns about a piece whose provision was killed mid-provisioner.
 */
export async function sweepLocalRemains(lab: LabConfig): Promise<string[]> {
  const before = await labNamespaces(lab);
  for (const piece of localTopology(lab).reverse()) {
    await exec('bash', ['-c', destroyScript(piece)]).catch(() => undefined);
  }
  const left = await labNamespaces(lab);
  if (left.length) throw new Error(`namespaces of lab '${lab.id}' survived teardown: ${left.join(', ')}`);
  await rm(localPlan(lab).stateDir, { recursive: true, force: true });
  return before;
}

export async function labNamespaces(lab: LabConfig): Promise<string[]> {
  const { stdout } = await exec('ip', ['netns', 'list']).catch(() => ({ stdout: '' }));
  const prefix = namespacePrefix(lab);
  return stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(prefix));
}
