// Provision on AWS: network, cluster and client; then wait until the client router is on the tailnet with its
// routes approved (the runner reaches the private EKS endpoint through it); then the workloads.
import { deployLab, type StackRun } from '../engine/lifecycle.ts';
import { buildManifest } from '../engine/manifest.ts';
import type { LabProgressEvent } from '../engine/progress.ts';
import { findRouteConflicts } from '../lab/address-plan.ts';
import type { LabConfig } from '../lab/config.ts';
import { estimateHourlyCost, type CostEstimate } from '../lab/cost.ts';
import { LabConfigError } from '../lab/errors.ts';
import type { TailscaleApi } from '../tailscale/api-client.ts';
import type { AwsClients } from '../aws/clients.ts';
import { CLIENT_OUTPUTS, INFRA_STACKS, WORKLOADS_VARIABLES } from '../lab/stack-contract.ts';
import { openLabSession } from './lab-session.ts';
import { labStoreFor, runLocksFor, terraformFor, type LabStore } from './lab-store.ts';
import { withRunLock, type RunLocks } from '../engine/run-lock.ts';
import type { TerraformRunner } from '../engine/terraform.ts';
import { synthLab } from './synth-lab.ts';
import { waitForClientRouter } from './wait-for-router.ts';

export interface AwsRunDeps {
  outdir: string;
  /** What terraform sees: AWS credentials, TAILSCALE_OAUTH_CLIENT_ID/_SECRET, TF_VAR_operator_oauth_client_*. */
  env: NodeJS.ProcessEnv;
  pluginCacheDir?: string;
  tailscale: TailscaleApi;
  aws: AwsClients;
  onProgress?: (event: LabProgressEvent) => void;
  log?: (line: string) => void;
  routerWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Injected by tests (fault injection): the terraform runner and the manifest/stacks store. */
  cli?: TerraformRunner;
  store?: LabStore;
  /** Injected by tests; by default the lab's run lock in the state bucket. */
  locks?: RunLocks;
  /** How long a run waits for another run of the same lab (default 10 minutes). */
  lockWaitMs?: number;
}

/** One provision or teardown of a lab at a time, for its whole length (the workflows' concurrency groups aside). */
export function withLabRunLock<T>(
  lab: LabConfig,
  deps: AwsRunDeps,
  operation: string,
  body: () => Promise<T>,
): Promise<T> {
  const locks = deps.locks ?? runLocksFor(lab, deps.aws.s3);
  return withRunLock(
    locks,
    lab.id,
    operation,
    { waitMs: deps.lockWaitMs ?? 600_000, ...(deps.sleep ? { sleep: deps.sleep } : {}) },
    body,
  );
}

export interface ProvisionOutputs {
  labId: string;
  clusterName: string;
  clientInstanceId: string;
  clientTailnetName: string;
  clientTailnetIp: string;
  nginxFqdn: string;
  egressService: string;
}

export interface ProvisionResult {
  lab: LabConfig;
  outputs: ProvisionOutputs;
  stacks: StackRun[];
  routerWaitMs: number;
  cost: CostEstimate;
}

export async function provisionAwsLab(lab: LabConfig, deps: AwsRunDeps): Promise<ProvisionResult> {
  // Before anything is written (even the run lock): the lab must not take routes another lab on the tailnet has.
  await refuseRouteConflicts(lab, await (deps.store ?? labStoreFor(lab, deps.aws.s3)).list());
  return withLabRunLock(lab, deps, 'provision', () => provisionHoldingLock(lab, deps));
}

async function provisionHoldingLock(lab: LabConfig, deps: AwsRunDeps): Promise<ProvisionResult> {
  const session = await openLabSession(
    lab,
    {
      outdir: deps.outdir,
      env: deps.env,
      s3: deps.aws.s3,
      ...(deps.pluginCacheDir ? { pluginCacheDir: deps.pluginCacheDir } : {}),
      ...(deps.cli ? { cli: deps.cli } : {}),
      ...(deps.store ? { store: deps.store } : {}),
    },
    synthLab,
  );

  const common = {
    stacks: session.stacks,
    cli: session.cli,
    store: session.store,
    manifest: buildManifest(session.lab),
    ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
  };
  const infra = await deployLab({ ...common, only: INFRA_STACKS });
  deps.log?.(
    `waiting for ${lab.client.hostname} to join the tailnet with routes ${lab.tailnet.clientRoutes.join(', ')}`,
  );
  const router = await waitForClientRouter(deps.tailscale, lab, {
    timeoutMs: deps.routerWaitMs ?? 10 * 60_000,
    intervalMs: 10_000,
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    ...(deps.log ? { log: deps.log } : {}),
  });
  if (!router.tailnetIp) throw new Error(`${lab.client.hostname} is online but has no IPv4 tailnet address`);
  // The egress Service targets the client device provision just saw online, not a same-named stale one.
  const workloadsCli =
    deps.cli ??
    terraformFor(session.lab, {
      env: { ...deps.env, [`TF_VAR_${WORKLOADS_VARIABLES.clientTailnetIp}`]: router.tailnetIp },
      ...(deps.pluginCacheDir ? { pluginCacheDir: deps.pluginCacheDir } : {}),
    });
  const workloads = await deployLab({
    ...common,
    cli: workloadsCli,
    manifest: infra.manifest,
    only: ['workloads'],
  });

  return {
    lab: session.lab,
    outputs: {
      labId: lab.id,
      clusterName: lab.cluster.name,
      clientInstanceId: String(infra.outputs['client']?.value(CLIENT_OUTPUTS.instanceId) ?? ''),
      clientTailnetName: router.device.name,
      clientTailnetIp: router.tailnetIp ?? '',
      nginxFqdn: lab.workloads.nginxFqdn,
      egressService: `${lab.workloads.namespace}/${lab.workloads.egressServiceName}`,
    },
    stacks: [...infra.stacks, ...workloads.stacks],
    routerWaitMs: router.waitedMs,
    cost: estimateHourlyCost(lab),
  };
}

/** Two labs advertising overlapping routes would fight on the shared tailnet: refuse before anything is created. */
export async function refuseRouteConflicts(
  lab: LabConfig,
  others: readonly { lab: string; routes: string[] }[],
): Promise<void> {
  const conflicts = findRouteConflicts([
    { id: lab.id, routes: lab.tailnet.ownedRanges },
    ...others.filter((m) => m.lab !== lab.id).map((m) => ({ id: m.lab, routes: m.routes })),
  ]).filter((c) => c.a === lab.id || c.b === lab.id);
  if (conflicts.length) {
    throw new LabConfigError(
      conflicts.map((c) => ({
        field: 'slot',
        value: lab.slot,
        rule: `gives ${c.a === lab.id ? c.routeA : c.routeB}, which overlaps ${c.a === lab.id ? c.routeB : c.routeA} of lab '${c.a === lab.id ? c.b : c.a}': pick a free slot`,
      })),
    );
  }
}
