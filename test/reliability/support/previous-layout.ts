// A lab's AWS stacks as tslab made them before the NAT and the nodes had stacks of their own: network (the VPC, the
// NAT with the private default route, the client's security group), cluster (control plane, addons, node group,
// coredns), client and workloads. Built from today's constructs, so the resources are the ones such a lab holds; the
// client stack's egress stand-in reads the network stack, where that route then lived.
import type { App } from 'cdktf';
import type { Construct } from 'constructs';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import { createLabAwsProvider } from '../../../infra/constructs/aws/aws-provider.ts';
import { ClientSecurityGroup } from '../../../infra/constructs/aws/client-security-group.ts';
import { EksAdminAccess } from '../../../infra/constructs/aws/eks-admin-access.ts';
import { EksCoreDnsAddon, EksNetworkAddons } from '../../../infra/constructs/aws/eks-addons.ts';
import { EksControlPlane } from '../../../infra/constructs/aws/eks-control-plane.ts';
import { EksNodeGroup } from '../../../infra/constructs/aws/eks-node-group.ts';
import { LabVpc } from '../../../infra/constructs/aws/lab-vpc.ts';
import { nameTags } from '../../../infra/constructs/aws/names.ts';
import { NatEgress } from '../../../infra/constructs/aws/nat-egress.ts';
import { ClientAuthKey } from '../../../infra/stacks/client-auth-key.ts';
import { ClientStack } from '../../../infra/stacks/client-stack.ts';
import { LabStack } from '../../../infra/stacks/lab-stack.ts';
import { WorkloadsStack } from '../../../infra/stacks/workloads-stack.ts';
import type { LabConfig } from '../../../src/lab/config.ts';

/** The stacks such a lab recorded, in the apply order it recorded them. */
export const PREVIOUS_STACKS = ['network', 'client', 'cluster', 'workloads'];

class PreviousNetworkStack extends LabStack {
  readonly vpcId: string;
  readonly clusterSubnetIds: string[];
  readonly controlPlaneSubnetIds: string[];
  readonly clientSubnetId: string;
  readonly clientSecurityGroupId: string;
  readonly publicSubnetId: string;
  readonly privateRouteTableId: string;
  readonly internetGatewayId: string;
  readonly privateDefaultRouteId: string;

  constructor(scope: Construct, lab: LabConfig) {
    super(scope, 'network', lab);
    createLabAwsProvider(this, lab);
    const vpc = new LabVpc(this, 'vpc', { lab });
    const nat = new NatEgress(this, 'nat', {
      lab,
      vpcId: vpc.vpcId,
      publicSubnetId: vpc.publicSubnetId,
      privateRouteTableId: vpc.privateRouteTableId,
      internet: vpc.internetGateway,
    });
    const clientSecurityGroup = new ClientSecurityGroup(this, 'client-sg', { lab, vpcId: vpc.vpcId });
    this.vpcId = vpc.vpcId;
    this.clusterSubnetIds = vpc.clusterSubnetIds;
    this.controlPlaneSubnetIds = vpc.controlPlaneSubnetIds;
    this.clientSubnetId = vpc.clientSubnetId;
    this.clientSecurityGroupId = clientSecurityGroup.securityGroupId;
    this.publicSubnetId = vpc.publicSubnetId;
    this.privateRouteTableId = vpc.privateRouteTableId;
    this.internetGatewayId = vpc.internetGateway.id;
    this.privateDefaultRouteId = nat.privateDefaultRoute.id;
  }
}

class PreviousClusterStack extends LabStack {
  readonly clusterName: string;
  readonly endpoint: string;
  readonly certificateAuthorityData: string;
  readonly oidcIssuer: string;

  constructor(scope: Construct, lab: LabConfig, network: PreviousNetworkStack) {
    super(scope, 'cluster', lab);
    createLabAwsProvider(this, lab);
    const controlPlane = new EksControlPlane(this, 'control-plane', {
      lab,
      subnetIds: network.controlPlaneSubnetIds,
    });
    const clusterName = controlPlane.clusterName;
    new EksAdminAccess(this, 'admin', { lab, clusterName });
    const networkAddons = new EksNetworkAddons(this, 'network-addons', { lab, clusterName });
    const nodes = new EksNodeGroup(this, 'nodes', {
      lab,
      clusterName,
      subnetIds: network.clusterSubnetIds,
      dependsOn: networkAddons.addons,
    });
    new EksCoreDnsAddon(this, 'coredns', { lab, clusterName, nodes: nodes.nodeGroup });
    new VpcSecurityGroupIngressRule(this, 'api-from-client', {
      securityGroupId: controlPlane.clusterSecurityGroupId,
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      referencedSecurityGroupId: network.clientSecurityGroupId,
      tags: nameTags(lab, 'api-from-client'),
    });
    this.clusterName = clusterName;
    this.endpoint = controlPlane.endpoint;
    this.certificateAuthorityData = controlPlane.certificateAuthorityData;
    this.oidcIssuer = controlPlane.oidcIssuer;
  }
}

export function addPreviousLayoutStacks(app: App, lab: LabConfig): void {
  const network = new PreviousNetworkStack(app, lab);
  const cluster = new PreviousClusterStack(app, lab, network);
  const client = new ClientStack(app, lab, { network, nat: network, tailnetKey: new ClientAuthKey(lab) });
  new WorkloadsStack(app, lab, { cluster, client });
}
