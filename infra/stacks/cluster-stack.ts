// Stack "cluster": a private-only EKS control plane with access entries, the network addons (vpc-cni, kube-proxy), and
// the API endpoint opened to the lab client on 443. It needs no internet egress, so it reads the network stack only
// and is created while the NAT is; the nodes and coredns, which pull images, are the nodes stack (nodes-stack.ts).
//
// Destroy order is encoded as dependencies (docs/design/eks.md §2): coredns → node group → network addons → cluster,
// with each IAM role's policy attachments outliving whatever uses the role. The first two are in the nodes stack, the
// rest here: the nodes stack reads this one's outputs, so it is destroyed first, and its node group depends on the
// network addons explicitly (through their ARNs).
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import type { Construct } from 'constructs';
import type { LabConfig } from '../../src/lab/config.ts';
import { createLabAwsProvider } from '../constructs/aws/aws-provider.ts';
import { EksAdminAccess } from '../constructs/aws/eks-admin-access.ts';
import { EksNetworkAddons } from '../constructs/aws/eks-addons.ts';
import { EksControlPlane } from '../constructs/aws/eks-control-plane.ts';
import { nameTags } from '../constructs/aws/names.ts';
import { LabStack } from './lab-stack.ts';
import type { NetworkStack } from './network-stack.ts';

export interface ClusterStackDeps {
  network: NetworkStack;
}

export class ClusterStack extends LabStack {
  readonly clusterName: string;
  readonly endpoint: string;
  readonly certificateAuthorityData: string;
  readonly clusterSecurityGroupId: string;
  readonly oidcIssuer: string;
  /** ARNs of the addons nodes need before they join (vpc-cni, kube-proxy). */
  readonly networkAddonArns: string[];

  constructor(scope: Construct, lab: LabConfig, { network }: ClusterStackDeps) {
    super(scope, 'cluster', lab);
    createLabAwsProvider(this, lab);

    const controlPlane = new EksControlPlane(this, 'control-plane', {
      lab,
      subnetIds: network.controlPlaneSubnetIds,
    });
    const clusterName = controlPlane.clusterName;
    new EksAdminAccess(this, 'admin', { lab, clusterName });
    const networkAddons = new EksNetworkAddons(this, 'network-addons', { lab, clusterName });

    // The client is the subnet router CI reaches the private endpoint through.
    new VpcSecurityGroupIngressRule(this, 'api-from-client', {
      securityGroupId: controlPlane.clusterSecurityGroupId,
      description: 'Kubernetes API from the tslab client',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      referencedSecurityGroupId: network.clientSecurityGroupId,
      tags: nameTags(lab, 'api-from-client'),
    });

    this.clusterName = clusterName;
    this.endpoint = controlPlane.endpoint;
    this.certificateAuthorityData = controlPlane.certificateAuthorityData;
    this.clusterSecurityGroupId = controlPlane.clusterSecurityGroupId;
    this.oidcIssuer = controlPlane.oidcIssuer;
    this.networkAddonArns = networkAddons.addons.map((addon) => addon.arn);
  }
}
