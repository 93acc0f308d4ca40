// `down` on AWS (teardown), from the lab id alone: custom resources first (the operator then removes its own tailnet
// devices), then the stacks in reverse, then what destroy misses (ENIs, load balancers, security groups before the
// network goes; the lab's tailnet devices at the end), then a final look for anything still tagged for the lab.
import type { AwsClients } from '../../clients/aws/clients.ts';
import { labResourceArns } from '../../clients/aws/lab-resources.ts';
import type { TailscaleApi } from '../../clients/tailscale/api-client.ts';
import { stoppableSleep } from '../../engine/interruption.ts';
import { destroyLab, type DestroyResult } from '../../engine/lifecycle.ts';
import type { DestroyFlags } from '../../engine/terraform.ts';
import type { LabCluster } from '../../clients/kubernetes/lab-cluster.ts';
import { TAG_KEYS, type LabConfig } from '../../lab/config.ts';
import { errorMessage } from '../../lab/errors.ts';
import type { ManifestStore } from '../../engine/manifest.ts';
import { removeAwsLeftovers, type Leftover } from './leftovers.ts';
import { isTransientAwsError } from './transient-errors.ts';
import { TeardownIncompleteError, type LeftBehind } from './incomplete.ts';
import { remainingLabDevices, removeLabDevices, type RemovedDevice } from './tailnet-devices.ts';
import { retry } from '../../util/retry.ts';
import { WORKLOADS_VARIABLES } from '../../lab/stack-contract.ts';
import { restoreLabSession } from '../../home/lab-home.ts';
import { lockOptions, type AwsRunDeps } from './run-deps.ts';
import { leaseIdentity, withLabRunLock, type LabLease } from '../../home/tracked-lease.ts';
import { deadRunOwnsLock, type DeadRun } from '../../engine/takeover.ts';

export interface TeardownReport {
  lab: string;
  destroy: DestroyResult;
  inCluster: string[];
  leftovers: Leftover[];
  devices: RemovedDevice[];
  /** ARNs still tagged for the lab after everything: empty on success. */
  remaining: string[];
  warnings: string[];
}

export interface TeardownDeps extends AwsRunDeps {
  /** The lab's cluster API (through EKS, over the tailnet; a fake in tests). */
  connectCluster: (lab: LabConfig) => Promise<LabCluster>;
  operatorCleanupWaitMs?: number;
}

/** Attempts at AWS calls of the teardown itself (leftovers, the final tag query); terraform retries its own. */
export const AWS_ATTEMPTS = 6;
export const AWS_BACKOFF_BASE_MS = 5_000;

/**
 * Runs again from the lab id alone until nothing is left; a second run is a no-op. When a step fails for good it
 * stops and throws TeardownIncompleteError, which lists what is left and how to remove it.
 */
export async function downAwsLab(lab: LabConfig, deps: TeardownDeps): Promise<TeardownReport> {
  return withLabRunLock(lab, 'teardown', lockOptions(deps), (lease) =>
    downHoldingLock(lab, { ...deps, onProgress: lease.track(deps.onProgress) }, lease),
  );
}

async function downHoldingLock(lab: LabConfig, deps: TeardownDeps, lease: LabLease): Promise<TeardownReport> {
  const session = await restoreLabSession(lab, {
    outdir: deps.outdir,
    env: destroyEnv(deps.env),
    s3: deps.aws.s3,
    ...(deps.terraform ? { terraform: deps.terraform } : {}),
    ...(deps.store ? { store: deps.store } : {}),
    ...(deps.interruption ? { interruption: deps.interruption } : {}),
  });
  const warnings: string[] = [];
  const inCluster: string[] = [];
  // Filled as each goes, so a removal in an attempt that later failed is still reported.
  const leftovers: Leftover[] = [];
  const sleep = (ms: number) => stoppableSleep(ms, deps.interruption, undefined, deps.sleep);
  // Throttling, 5xx and dependencies AWS releases late (ENIs of a deleted load balancer) pass with time.
  const awsRetry = <T>(label: string, fn: () => Promise<T>): Promise<T> =>
    retry(fn, {
      label,
      maxAttempts: AWS_ATTEMPTS,
      baseMs: AWS_BACKOFF_BASE_MS,
      shouldRetry: isTransientAwsError,
      sleep,
      ...(deps.log ? { log: deps.log } : {}),
    });
  const incomplete = async (error: unknown) =>
    new TeardownIncompleteError(lab, error, await leftBehind(lab, deps.aws, deps.tailscale, session.store));

  // Read before any stack's status changes: an interrupted stack's record (and its lock id) is what it matches.
  const deadAtStart = deadRuns(lease, session.store, lab.id);
  let destroy: DestroyResult;
  let devices: RemovedDevice[];
  try {
    destroy = await destroyLab({
      stacks: session.stacks,
      terraform: session.terraform,
      store: session.store,
      lab: lab.id,
      ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
      ...(deps.interruption ? { interruption: deps.interruption } : {}),
      ...(deps.concurrency !== undefined ? { concurrency: deps.concurrency } : {}),
      runIdentity: leaseIdentity(lease),
      onStateLocked: async (stackId, dir, locked) => {
        const dead = await deadAtStart;
        const verdicts = dead.map((run) => ({ run, verdict: deadRunOwnsLock(run, stackId, locked.lock) }));
        const owner = verdicts.find((v) => v.verdict.owns);
        if (!owner || !session.terraform.forceUnlock) {
          for (const { verdict } of verdicts) {
            if (!verdict.owns) deps.log?.(`state lock of '${stackId}' kept: ${verdict.why}`);
          }
          return false;
        }
        await session.terraform.forceUnlock(dir, locked.lock.id);
        warnings.push(
          `removed terraform's lock ${locked.lock.id} on stack '${stackId}' left by ${owner.run.source} (${locked.lock.who})`,
        );
        return true;
      },
      beforeDestroy: async (stackId) => {
        if (stackId === 'workloads') {
          const { deleted, clusterReachable } = await deleteOperatorResources(lab, deps, warnings, sleep);
          inCluster.push(...deleted);
          if (!clusterReachable) return abandonInClusterState(session, warnings);
        }
        if (stackId === 'network') {
          // The VPC CNI and Kubernetes controllers leave ENIs, load balancers and security groups the VPC cannot
          // be deleted with.
          await awsRetry(`remove leftovers of ${lab.id}`, () =>
            removeAwsLeftovers(deps.aws, lab.id, lab.cluster.name, {
              onRemoved: (leftover) => leftovers.push(leftover),
            }),
          );
        }
        return {};
      },
    });
    // Last, once nothing in the lab can register them again.
    devices = await removeLabDevices(deps.tailscale, lab.id);
  } catch (error) {
    throw await incomplete(error);
  }
  const remaining = await awsRetry(`list resources tagged for ${lab.id}`, () =>
    labResourceArns(deps.aws.tagging, lab.id),
  );
  if (remaining.length) {
    warnings.push(
      `still tagged ${TAG_KEYS.lab}=${lab.id}: ${remaining.join(', ')} — rerun teardown, or delete them in the console ` +
        `(aws resourcegroupstaggingapi get-resources --tag-filters Key=${TAG_KEYS.lab},Values=${lab.id})`,
    );
  }
  return { lab: lab.id, destroy, inCluster, leftovers, devices, remaining, warnings };
}

/**
 * Deletes the Connector, ProxyGroup and egress Service while the operator still runs, then waits (bounded) for it
 * to remove their tailnet devices. Best effort: an unreachable cluster only leaves devices the API sweep removes.
 */
async function deleteOperatorResources(
  lab: LabConfig,
  deps: TeardownDeps,
  warnings: string[],
  sleep: (ms: number) => Promise<void>,
): Promise<{ deleted: string[]; clusterReachable: boolean }> {
  const deleted: string[] = [];
  try {
    const cluster = await deps.connectCluster(lab);
    if (
      (await cluster.deleteService(lab.workloads.namespace, lab.workloads.egressServiceName)) === 'deleted'
    ) {
      deleted.push(`Service ${lab.workloads.namespace}/${lab.workloads.egressServiceName}`);
    }
    if ((await cluster.deleteCustomObject('ProxyGroup', lab.workloads.proxyGroupName)) === 'deleted') {
      deleted.push(`ProxyGroup ${lab.workloads.proxyGroupName}`);
    }
    if ((await cluster.deleteCustomObject('Connector', lab.tailnet.connectorName)) === 'deleted') {
      deleted.push(`Connector ${lab.tailnet.connectorName}`);
    }
  } catch (error) {
    warnings.push(
      `could not delete the lab's custom resources in the cluster (${errorMessage(error)}); their tailnet devices are removed through the API instead`,
    );
    return { deleted, clusterReachable: false };
  }
  const deadline = Date.now() + (deps.operatorCleanupWaitMs ?? 120_000);
  const proxyNames = (hostname: string) => hostname.includes('-router') || hostname.includes('-egress');
  try {
    while (Date.now() < deadline) {
      const left = (await remainingLabDevices(deps.tailscale, lab.id)).filter(proxyNames);
      if (!left.length) break;
      await sleep(5_000);
    }
  } catch (error) {
    // Only a wait: whatever the operator leaves, the API sweep at the end removes.
    warnings.push(`could not watch the operator remove its devices (${errorMessage(error)})`);
  }
  return { deleted, clusterReachable: true };
}

/**
 * The cluster API is out of reach (the runner is off the tailnet, the client router is gone): the in-cluster releases
 * cannot be uninstalled, and they go with the cluster anyway. Forget them, and destroy the rest of the stack (split
 * DNS) from state alone, so the cluster, the client and the network can still be destroyed.
 */
async function abandonInClusterState(
  session: Awaited<ReturnType<typeof restoreLabSession>>,
  warnings: string[],
): Promise<DestroyFlags> {
  const stack = session.stacks.find((s) => s.id === 'workloads');
  if (!stack || !session.terraform.stateRm) return {};
  const releases = (await session.terraform.stateList(stack.workingDirectory)).filter((a) =>
    a.startsWith('helm_release.'),
  );
  await session.terraform.stateRm(stack.workingDirectory, releases);
  warnings.push(
    `the cluster API was out of reach: ${releases.join(', ') || 'no release'} dropped from state (they go with the ` +
      'cluster), the rest of the workloads stack destroyed without refresh',
  );
  return { refresh: false };
}

/**
 * Terraform wants every variable even to destroy; the operator's credentials only feed Helm values, which a destroy
 * never renders, so teardown from the lab id alone does not need them.
 */
export function destroyEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const filled: NodeJS.ProcessEnv = { ...env };
  for (const name of Object.values(WORKLOADS_VARIABLES)) filled[`TF_VAR_${name}`] ??= 'unused-by-destroy';
  return filled;
}

/**
 * What a lab still holds, read-only and best effort: each list is read independently, and one that cannot be read is
 * reported as unknown. Teardown and the sweeper both say this when they cannot finish.
 */
export async function leftBehind(
  lab: LabConfig,
  aws: AwsClients,
  tailscale: TailscaleApi,
  store: ManifestStore,
): Promise<LeftBehind> {
  const attempt = <T>(read: () => Promise<T>): Promise<T | undefined> => read().catch(() => undefined);
  const manifest = await attempt(() => store.read(lab.id));
  return {
    stacks: Object.entries(manifest?.stacks ?? {})
      .filter(([, record]) => record.status !== 'destroyed')
      .map(([id, record]) => `${id} (${record.status})`),
    leftovers: await attempt(async () =>
      (await removeAwsLeftovers(aws, lab.id, lab.cluster.name, { dryRun: true })).map(
        (l) => `${l.kind} ${l.id}`,
      ),
    ),
    tailnetDevices: await attempt(() => remainingLabDevices(tailscale, lab.id)),
    tagged: await attempt(() => labResourceArns(aws.tagging, lab.id)),
  };
}

/**
 * Runs proven gone whose terraform lock this teardown may remove: the run it took the lab's lock over from, and a
 * run that recorded its own interruption in the manifest (it released the lab's lock, so it has stopped).
 */
async function deadRuns(lease: LabLease, store: ManifestStore, lab: string): Promise<DeadRun[]> {
  const runs: DeadRun[] = [];
  const gone = lease.takenOver?.holder;
  for (const stack of gone?.stacks ?? []) {
    runs.push({
      who: `${gone?.user ?? ''}@${gone?.host ?? ''}`,
      stack: stack.id,
      stateLockId: stack.stateLockId,
      source: `the ${gone?.operation ?? ''} run taken over (${lease.takenOver?.why ?? ''})`,
    });
  }
  const manifest = await store.read(lab).catch(() => undefined);
  const interrupted = manifest?.interrupted;
  if (interrupted?.who) {
    for (const [stack, record] of Object.entries(manifest?.stacks ?? {})) {
      if (record.status !== 'interrupted') continue;
      runs.push({
        who: interrupted.who,
        stack,
        stateLockId: record.stateLockId,
        source: `the ${interrupted.operation} interrupted by ${interrupted.signal} at ${interrupted.at}`,
      });
    }
  }
  return runs;
}
