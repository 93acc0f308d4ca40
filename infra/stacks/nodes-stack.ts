// Stack "nodes": the managed node group and the coredns addon (serving the lab's own zone too), the part of the
// cluster that needs internet egress (the nodes pull images). The node group waits explicitly for the NAT stack's
// route and for the cluster stack's network addons; coredns waits for the nodes. Destroy runs the other way round
// (docs/design/eks.md §2): coredns, then the node group, and only then (this stack gone) the cluster stack's addons and
// control plane.
import type { Construct } from 'constructs';
import type { LabConfig } from '../../src/lab/config.ts';
import { createLabAwsProvider } from '../constructs/aws/aws-provider.ts';
import { EksCoreDnsAddon } from '../constructs/aws/eks-addons.ts';
import { EksNodeGroup } from '../constructs/aws/eks-node-group.ts';
import type { ClusterStack } from './cluster-stack.ts';
import { afterOtherStacks, LabStack } from './lab-stack.ts';
import { egressRoute, type NatStack } from './nat-stack.ts';
import type { NetworkStack } from './network-stack.ts';

export interface NodesStackDeps {
  network: NetworkStack;
  nat: NatStack;
  cluster: ClusterStack;
}

export class NodesStack extends LabStack {
  constructor(scope: Construct, lab: LabConfig, { network, nat, cluster }: NodesStackDeps) {
    super(scope, 'nodes', lab);
    createLabAwsProvider(this, lab);

    const nodes = new EksNodeGroup(this, 'nodes', {
      lab,
      clusterName: cluster.clusterName,
      subnetIds: network.clusterSubnetIds,
      dependsOn: [
        egressRoute(this, nat),
        afterOtherStacks(this, 'network-addons', { networkAddonArns: cluster.networkAddonArns }),
      ],
    });
    new EksCoreDnsAddon(this, 'coredns', { lab, clusterName: cluster.clusterName, nodes: nodes.nodeGroup });
  }
}
