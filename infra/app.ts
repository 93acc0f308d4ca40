// Wiring only: which stacks make a lab, and what each one receives from the others.
import type { App } from 'cdktf';
import type { LabConfig } from '../src/lab/config.ts';
import { ClientStack } from './stacks/client-stack.ts';
import { ClusterStack } from './stacks/cluster-stack.ts';
import { LocalLabStack } from './stacks/local-lab-stack.ts';
import { NetworkStack } from './stacks/network-stack.ts';
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
  const cluster = new ClusterStack(app, lab, { network });
  const client = new ClientStack(app, lab, { network, tailnetKey: new ClientAuthKey(lab) });
  new WorkloadsStack(app, lab, { cluster, client });
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
