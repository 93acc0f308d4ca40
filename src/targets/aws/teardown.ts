// Teardown on AWS, from the lab id alone: custom resources first (the operator then removes its own tailnet
// devices), then the stacks in reverse, then what destroy misses (ENIs, load balancers, security groups before the
// network goes; the lab's tailnet devices at the end), then a final look for anything still tagged for the lab.
import type { AwsClients } from '../../clients/aws/clients.ts';
import { labResourceArns } from '../../clients/aws/lab-resources.ts';
import type { TailscaleApi } from '../../clients/tailscale/api-client.ts';
import { stoppableSleep } from '../../engine/interruption.ts';
import { destroyLab, type DestroyResult } from '../../engine/lifecycle.ts';
import type { LabManifest, ManifestStore } from '../../engine/manifest.ts';
import type { SynthesizedStack } from '../../engine/stack-order.ts';
import type { DestroyFlags, TerraformRunner } from '../../engine/terraform.ts';
import type { HomeRun, LabHome, OperationIo } from '../../home/lab-home.ts';
import { TAG_KEYS, type LabConfig } from '../../lab/config.ts';
import { errorMessage } from '../../lab/errors.ts';
import { AWS_STACK_ROLES, WORKLOADS_VARIABLES } from '../../lab/stack-contract.ts';
import { retry } from '../../util/retry.ts';
import { TeardownIncompleteError, type LeftBehind } from './incomplete.ts';
import { removeAwsLeftovers, type Leftover } from './leftovers.ts';
import type { AwsServices } from './services.ts';
import { remainingLabDevices, removeLabDevices, type RemovedDevice } from './tailnet-devices.ts';
import { isTransientAwsError } from './transient-errors.ts';

export interface TeardownReport {
  lab: string;
  /** Set when `keepIf` gave a reason to keep the lab: nothing was touched. */
  kept?: string;
  destroy: DestroyResult;
  inCluster: string[];
  leftovers: Leftover[];
  devices: RemovedDevice[];
  /** ARNs still tagged for the lab after everything: empty on success. */
  remaining: string[];
  warnings: string[];
}

/** Attempts at AWS calls of the teardown itself (leftovers, the final tag query); terraform retries its own. */
export const AWS_ATTEMPTS = 6;
export const AWS_BACKOFF_BASE_MS = 5_000;

/**
 * Runs again from the lab id alone until nothing is left; a second run is a no-op. When a step fails for good it
 * stops and throws TeardownIncompleteError, which lists what is left and how to remove it.
 */
export interface TeardownOptions {
  /**
   * Asked once the lab's lock is held, before anything is touched: a reason to keep the lab after all (the sweep's
   * decision was made before a provision that moved the lab's expiry), or undefined to go on.
   */
  keepIf?: ((manifest: LabManifest | undefined) => string | undefined) | undefined;
}

export async function teardownAwsLab(
  home: LabHome,
  services: AwsServices,
  io: OperationIo = {},
  options: TeardownOptions = {},
): Promise<TeardownReport> {
  return home.run('teardown', io, async (run) => {
    const kept = options.keepIf?.(await run.store.read(run.lab.id));
    if (kept !== undefined) return keptReport(run.lab.id, kept);
    return teardownHoldingLock(home, run, services, io);
  });
}

function keptReport(lab: string, kept: string): TeardownReport {
  return {
    lab,
    kept,
    destroy: { lab, stacks: [], nothingToDo: false, startedAtMs: Date.now() },
    inCluster: [],
    leftovers: [],
    devices: [],
    remaining: [],
    warnings: [],
  };
}

/** The error a teardown that could not finish throws: what is left, and how to resume. */
export async function incomplete(
  home: LabHome,
  services: AwsServices,
  error: unknown,
): Promise<TeardownIncompleteError> {
  const left = await leftBehind(home.lab, services.aws, services.tailscale, home.store);
  return new TeardownIncompleteError(home.lab, error, left, home.locationFlags);
}

async function teardownHoldingLock(
  home: LabHome,
  run: HomeRun,
  services: AwsServices,
  io: OperationIo,
): Promise<TeardownReport> {
  const { lab } = run;
  const stacks = await run.restore();
  const terraform = run.terraform({ defaults: DESTROY_VARIABLES });
  const warnings: string[] = [];
  const inCluster: string[] = [];
  // Filled as each goes, so a removal in an attempt that later failed is still reported.
  const leftovers: Leftover[] = [];
  const sleep = (ms: number) => stoppableSleep(ms, io.interruption, undefined, services.sleep);
  // Throttling, 5xx and dependencies AWS releases late (ENIs of a deleted load balancer) pass with time.
  const awsRetry = <T>(label: string, fn: () => Promise<T>): Promise<T> =>
    retry(fn, {
      label,
      maxAttempts: AWS_ATTEMPTS,
      baseMs: AWS_BACKOFF_BASE_MS,
      shouldRetry: isTransientAwsError,
      sleep,
      log: io.log,
    });

  let destroy: DestroyResult;
  let devices: RemovedDevice[];
  try {
    destroy = await destroyLab({
      stacks,
      terraform,
      store: run.store,
      lab: lab.id,
      onProgress: run.onProgress,
      interruption: run.interruption,
      concurrency: services.concurrency,
      runIdentity: run.runIdentity,
      onStateLocked: run.unlockStranded(terraform, (line) => warnings.push(line)),
      beforeDestroy: async (stackId) => {
        if (stackId === AWS_STACK_ROLES.inCluster) {
          const { deleted, clusterReachable } = await deleteOperatorResources(lab, services, warnings, sleep);
          inCluster.push(...deleted);
          if (!clusterReachable) return abandonInClusterState(stacks, terraform, warnings);
        }
        if (stackId === AWS_STACK_ROLES.vpc) {
          // The VPC CNI and Kubernetes controllers leave ENIs, load balancers and security groups the VPC cannot
          // be deleted with.
          await awsRetry(`remove leftovers of ${lab.id}`, () =>
            removeAwsLeftovers(services.aws, lab.id, lab.cluster.name, {
              onRemoved: (leftover) => leftovers.push(leftover),
            }),
          );
        }
        return {};
      },
    });
    // Last, once nothing in the lab can register them again.
    devices = await removeLabDevices(services.tailscale, lab.id);
  } catch (error) {
    throw await incomplete(home, services, error);
  }
  const remaining = await awsRetry(`list resources tagged for ${lab.id}`, () =>
    labResourceArns(services.aws.tagging, lab.id),
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
  services: AwsServices,
  warnings: string[],
  sleep: (ms: number) => Promise<void>,
): Promise<{ deleted: string[]; clusterReachable: boolean }> {
  const deleted: string[] = [];
  try {
    const cluster = await services.connectCluster(lab);
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
  const deadline = Date.now() + (services.operatorCleanupWaitMs ?? 120_000);
  const proxyNames = (hostname: string) => hostname.includes('-router') || hostname.includes('-egress');
  try {
    while (Date.now() < deadline) {
      const left = (await remainingLabDevices(services.tailscale, lab.id)).filter(proxyNames);
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
  stacks: readonly SynthesizedStack[],
  terraform: TerraformRunner,
  warnings: string[],
): Promise<DestroyFlags> {
  const stack = stacks.find((s) => s.id === AWS_STACK_ROLES.inCluster);
  if (!stack || !terraform.stateRm) return {};
  const releases = (await terraform.stateList(stack.workingDirectory)).filter((a) =>
    a.startsWith('helm_release.'),
  );
  await terraform.stateRm(stack.workingDirectory, releases);
  warnings.push(
    `the cluster API was out of reach: ${releases.join(', ') || 'no release'} dropped from state (they go with the ` +
      'cluster), the rest of the workloads stack destroyed without refresh',
  );
  return { refresh: false };
}

/**
 * Terraform wants every variable even to destroy; the operator's credentials only feed Helm values, which a destroy
 * never renders, so teardown from the lab id alone does not need them (set ones are used as they are).
 */
export const DESTROY_VARIABLES: NodeJS.ProcessEnv = Object.fromEntries(
  Object.values(WORKLOADS_VARIABLES).map((name) => [`TF_VAR_${name}`, 'unused-by-destroy']),
);

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
