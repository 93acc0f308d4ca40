// Provision on AWS, as one graph: network; then the cluster's control plane and the NAT at once; the client once the NAT is
// up, and the wait for the client router (on the tailnet with its routes approved: the runner reaches the private EKS
// endpoint through it) as soon as the client stack is applied; the nodes once the cluster and the NAT are; then the
// workloads, once the nodes and the router are both ready.
import { settleAvailabilityZones } from './availability-zones.ts';
import { settleKubernetesVersion } from './eks-versions.ts';
import { stoppableSleep } from '../../engine/interruption.ts';
import { deployLab, type GraphWait, type StackRun, type WaitRun } from '../../engine/lifecycle.ts';
import { checkLockCoversAwsStacks } from '../../engine/provider-lock.ts';
import type { StackBundle } from '../../engine/stack-bundle.ts';
import type { LabHome, HomeRun, OperationIo } from '../../home/lab-home.ts';
import { findRouteConflicts } from '../../lab/address-plan.ts';
import type { LabConfig } from '../../lab/config.ts';
import { estimateHourlyCost, type CostEstimate } from '../../lab/cost.ts';
import { LabConfigError } from '../../lab/errors.ts';
import {
  AWS_STACK_ROLES,
  AWS_STACKS,
  CLIENT_OUTPUTS,
  WORKLOADS_VARIABLES,
} from '../../lab/stack-contract.ts';
import type { ProvisionOutputs } from '../lab-target.ts';
import { synthLab } from '../synth-lab.ts';
import type { AwsServices } from './services.ts';
import { waitForClientRouter, type RouterReady } from './wait-for-router.ts';

/** The graph node provision waits on between the client stack and the workloads. */
export const ROUTER_WAIT = 'client router';
/** Where the router wait sits in the graph: after the client stack, before the stack that reads its address. */
export const ROUTER_WAIT_EDGES = {
  after: [AWS_STACK_ROLES.client],
  before: [AWS_STACK_ROLES.needsRouter],
} as const;

export interface AwsProvisionResult {
  lab: LabConfig;
  outputs: ProvisionOutputs;
  stacks: StackRun[];
  waits: WaitRun[];
  startedAtMs: number;
  routerWaitMs: number;
  cost: CostEstimate;
}

export async function provisionAwsLab(
  home: LabHome,
  services: AwsServices,
  io: OperationIo = {},
): Promise<AwsProvisionResult> {
  // Before any cloud call: with no checksum for a provider of the AWS stacks no stack could be initialized
  // (docs/supply-chain.md).
  await home.checkEngine(checkLockCoversAwsStacks);
  // Before anything is written (even the run lock): the lab must not take routes another lab on the tailnet has, nor
  // be made of other stacks than the ones it recorded.
  await refuseRouteConflicts(home.lab, await home.store.list());
  refuseOtherStacks(home.lab, await home.store.loadStacks(home.lab.id));
  // Before anything is created: AWS itself picks what tslab chose offline (docs/design/eks.md §6), and refuses a version
  // or AZ it would not take; the manifest then records both for every re-run.
  const settled = home.adopt(
    await settleAvailabilityZones(
      await settleKubernetesVersion(home.lab, services.aws.eks),
      services.aws.ec2,
    ),
  );
  return settled.run('provision', io, (run) => provisionHoldingLock(run, services, io));
}

async function provisionHoldingLock(
  run: HomeRun,
  services: AwsServices,
  io: OperationIo,
): Promise<AwsProvisionResult> {
  const { lab } = run;
  const stacks = await run.synthesize(synthLab);
  // The client router's wait starts as soon as the client stack is applied, in the shadow of the cluster's apply; the
  // workloads start once both the cluster and the router are ready (docs/design/engine.md §4).
  let router: RouterReady | undefined;
  const routerWait: GraphWait = {
    id: ROUTER_WAIT,
    ...ROUTER_WAIT_EDGES,
    async run() {
      io.log?.(
        `waiting for ${lab.client.hostname} to join the tailnet with routes ${lab.tailnet.clientRoutes.join(', ')}`,
      );
      router = await waitForClientRouter(services.tailscale, lab, {
        timeoutMs: services.routerWaitMs ?? 10 * 60_000,
        intervalMs: 10_000,
        sleep: (ms) =>
          stoppableSleep(ms, io.interruption, 'while waiting for the client router', services.sleep),
        log: io.log,
      });
      if (!router.tailnetIp)
        throw new Error(`${lab.client.hostname} is online but has no IPv4 tailnet address`);
    },
  };
  const terraform = run.terraform();
  const deployed = await deployLab({
    stacks,
    terraform,
    // The egress Service targets the client device provision just saw online, not a same-named stale one.
    terraformFor: (stackId) =>
      stackId === AWS_STACK_ROLES.needsRouter
        ? run.terraform({
            set: { [`TF_VAR_${WORKLOADS_VARIABLES.clientTailnetIp}`]: router?.tailnetIp ?? '' },
          })
        : terraform,
    store: run.store,
    manifest: run.manifest(),
    waits: [routerWait],
    concurrency: services.concurrency,
    onProgress: run.onProgress,
    interruption: run.interruption,
    runIdentity: run.runIdentity,
    // A push after a provision that lost its runner mid-apply meets that run's lock on the stack it was applying.
    onStateLocked: run.unlockStranded(terraform, (line) => io.log?.(line)),
  });
  const ready = router!;

  return {
    lab,
    outputs: {
      labId: lab.id,
      clusterName: lab.cluster.name,
      clientInstanceId: String(
        deployed.outputs[AWS_STACK_ROLES.client]?.value(CLIENT_OUTPUTS.instanceId) ?? '',
      ),
      clientTailnetName: ready.device.name,
      clientTailnetIp: ready.tailnetIp ?? '',
      nginxFqdn: lab.workloads.nginxFqdn,
      egressService: `${lab.workloads.namespace}/${lab.workloads.egressServiceName}`,
    },
    stacks: deployed.stacks,
    waits: deployed.waits,
    startedAtMs: deployed.startedAtMs,
    routerWaitMs: ready.waitedMs,
    cost: estimateHourlyCost(lab),
  };
}

/**
 * A lab that recorded other stacks than these (one made before the NAT and the nodes had stacks of their own: the
 * network held the NAT, the cluster the nodes) is torn down from what it recorded, never provisioned over. Provision
 * records its stacks before it applies them, so a run that failed half-way would leave this version's stacks recorded
 * over states of the older ones, and terraform cannot destroy a stack that reads outputs of a stack with no state
 * (the client, reading a nat stack never applied).
 */
export function refuseOtherStacks(lab: LabConfig, recorded: StackBundle | undefined): void {
  if (!recorded) return;
  const ids = recorded.stacks.map((stack) => stack.id);
  const expected = new Set<string>(AWS_STACKS);
  if (ids.length === expected.size && ids.every((id) => expected.has(id))) return;
  throw new LabConfigError([
    {
      field: 'lab',
      value: lab.id,
      rule:
        `was provisioned by an earlier tslab, as stacks ${ids.join(', ')} (this one makes ${AWS_STACKS.join(', ')}): ` +
        'tear it down first (tslab teardown, or the teardown action), then provision it again',
    },
  ]);
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
