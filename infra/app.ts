// Wiring only: which stacks make a lab, and what each one receives from the others.
import type { App } from 'cdktf';
import type { LabConfig } from '../src/lab/config.ts';
import { ClientStack } from './stacks/client-stack.ts';
import { ClusterStack } from './stacks/cluster-stack.ts';
import { LocalLabStack } from './stacks/local-lab-stack.ts';
import { NatStack } from './stacks/nat-stack.ts';
import { NetworkStack } from './stacks/network-stack.ts';
import { NodesStack } from './stacks/nodes-stack.ts';
import {
  TailnetPolicyStack,
  type TailnetPolicyBackend,
  type TailnetPolicyStackOptions,
} from './stacks/tailnet-policy-stack.ts';
import { WorkloadsStack } from './stacks/workloads-stack.ts';
import { ClientAuthKey } from './stacks/client-auth-key.ts';

export function addLabStacks(app: App, lab: LabConfig): void {
  if (lab.target === 'local') {
    new LocalLabStack(app, lab);
    return;
  }
  const network = new NetworkStack(app, lab);
  const nat = new NatStack(app, lab, { network });
  // Needs no egress: created while the NAT is.
  const cluster = new ClusterStack(app, lab, { network });
  const nodes = new NodesStack(app, lab, { network, nat, cluster });
  const client = new ClientStack(app, lab, { network, nat, tailnetKey: new ClientAuthKey(lab) });
  new WorkloadsStack(app, lab, { cluster, nodes, client });
}

export function addTailnetPolicyStack(
  app: App,
  backend: TailnetPolicyBackend,
  options: Pick<
    TailnetPolicyStackOptions,
    'sharedOperatorClient' | 'githubRepository' | 'githubRepositoryId'
  > = {},
): void {
  new TailnetPolicyStack(app, 'tailnet-policy', { backend, ...options });
}
