// The managed node group (AL2023) and its launch template: IMDSv2 only, with a hop limit of 1 so a pod's request,
// one hop further than the node's own, never gets the node role's credentials; host-network pods (the VPC CNI,
// kube-proxy) still reach IMDS and no lab pod needs it (docs/design/eks.md §5); an encrypted gp3 root; and lab.tags
// on the instances, volumes and ENIs EC2 creates from the template (default_tags does not reach those).
import { EksNodeGroup as EksNodeGroupResource } from '@cdktf/provider-aws/lib/eks-node-group/index.js';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template/index.js';
import { Token, type ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import type { LabConfig } from '../../../src/lab/config.ts';
import { explicitLabTags, nameTags } from './names.ts';
import { ServiceRole } from './service-role.ts';

export const NODE_AMI_TYPE = 'AL2023_x86_64_STANDARD';
export const NODE_ROOT_VOLUME_GIB = 20;
// No SSM agent policy: Run Command only ever targets the client instance (docs/design/eks.md §5).
const NODE_POLICIES = [
  'AmazonEKSWorkerNodePolicy',
  'AmazonEKS_CNI_Policy',
  'AmazonEC2ContainerRegistryReadOnly',
] as const;

export interface EksNodeGroupOptions {
  lab: LabConfig;
  clusterName: string;
  subnetIds: string[];
  /**
   * What must exist before nodes join and be destroyed only after they are gone: the VPC CNI addon, the route the nodes
   * pull images through.
   */
  dependsOn: ITerraformDependable[];
}

export class EksNodeGroup extends Construct {
  readonly nodeGroup: EksNodeGroupResource;
  readonly nodeRole: ServiceRole;

  constructor(scope: Construct, id: string, { lab, clusterName, subnetIds, dependsOn }: EksNodeGroupOptions) {
    super(scope, id);
    this.nodeRole = new ServiceRole(this, 'role', {
      lab,
      what: 'node',
      namePrefix: `${lab.cluster.name}-node-`,
      service: 'ec2.amazonaws.com',
      managedPolicies: NODE_POLICIES,
    });

    const template = new LaunchTemplate(this, 'template', {
      namePrefix: `${lab.cluster.name}-node-`,
      updateDefaultVersion: true,
      metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 },
      blockDeviceMappings: [
        {
          deviceName: '/dev/xvda',
          ebs: {
            volumeSize: NODE_ROOT_VOLUME_GIB,
            volumeType: 'gp3',
            encrypted: 'true',
            deleteOnTermination: 'true',
          },
        },
      ],
      tagSpecifications: ['instance', 'volume', 'network-interface'].map((resourceType) => ({
        resourceType,
        tags: explicitLabTags(lab, 'node'),
      })),
      tags: nameTags(lab, 'node'),
    });

    const size = lab.cluster.nodeCount;
    this.nodeGroup = new EksNodeGroupResource(this, 'group', {
      clusterName,
      nodeGroupName: `${lab.cluster.name}-default`,
      nodeRoleArn: this.nodeRole.role.arn,
      subnetIds,
      amiType: NODE_AMI_TYPE,
      capacityType: 'ON_DEMAND',
      instanceTypes: [lab.cluster.nodeInstanceType],
      scalingConfig: { desiredSize: size, minSize: size, maxSize: size },
      launchTemplate: { id: template.id, version: Token.asString(template.latestVersion) },
      tags: nameTags(lab, 'nodes'),
      // Nodes need their policies (the CNI's above all) until the last ENI is released on destroy.
      dependsOn: [...this.nodeRole.attachments, ...dependsOn],
    });
  }
}
