// The EKS control plane: private endpoint only, the lab's service CIDR, access entries only (no aws-auth ConfigMap),
// no control-plane logs, and only the addons the lab installs itself (see EksAddons).
import { EksCluster } from '@cdktf/provider-aws/lib/eks-cluster/index.js';
import { Construct } from 'constructs';
import type { LabConfig } from '../../../src/lab/config.ts';
import { nameTags } from './names.ts';
import { ServiceRole } from './service-role.ts';

export interface EksControlPlaneOptions {
  lab: LabConfig;
  subnetIds: string[];
}

export class EksControlPlane extends Construct {
  readonly cluster: EksCluster;
  readonly clusterName: string;
  readonly endpoint: string;
  readonly certificateAuthorityData: string;
  /** The security group EKS creates; the control-plane ENIs and (without a custom SG) the nodes use it. */
  readonly clusterSecurityGroupId: string;
  /** The cluster's OIDC issuer (public): what the operator's federated identity trusts. */
  readonly oidcIssuer: string;

  constructor(scope: Construct, id: string, { lab, subnetIds }: EksControlPlaneOptions) {
    super(scope, id);
    const role = new ServiceRole(this, 'role', {
      lab,
      what: 'cluster',
      namePrefix: `${lab.cluster.name}-cluster-`,
      service: 'eks.amazonaws.com',
      managedPolicies: ['AmazonEKSClusterPolicy'],
    });

    this.cluster = new EksCluster(this, 'cluster', {
      name: lab.cluster.name,
      version: lab.cluster.kubernetesVersion,
      roleArn: role.role.arn,
      vpcConfig: { subnetIds, endpointPrivateAccess: true, endpointPublicAccess: false },
      kubernetesNetworkConfig: { serviceIpv4Cidr: lab.network.serviceCidr, ipFamily: 'ipv4' },
      accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: false },
      // The managed addons below replace the self-managed defaults instead of fighting them over field ownership.
      bootstrapSelfManagedAddons: false,
      enabledClusterLogTypes: [],
      // A lab never pays extended support ($0.60/h instead of $0.10/h): past standard support EKS upgrades it instead.
      upgradePolicy: { supportType: 'STANDARD' },
      tags: nameTags(lab, 'cluster'),
      // The role must keep its policy until the cluster (and its ENIs) are gone.
      dependsOn: role.attachments,
    });
    this.clusterName = this.cluster.name;
    this.endpoint = this.cluster.endpoint;
    this.certificateAuthorityData = this.cluster.certificateAuthority.get(0).data;
    this.clusterSecurityGroupId = this.cluster.vpcConfig.clusterSecurityGroupId;
    this.oidcIssuer = this.cluster.identity.get(0).oidc.get(0).issuer;
  }
}
