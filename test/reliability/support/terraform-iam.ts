// What the AWS provider (and the S3 backend) needs, per resource type the lab's stacks declare. `required`: what
// creating, reading, tagging and destroying the resource calls. `mayUse`: what the provider calls only on some paths
// (an in-place update when a lab is provisioned again, reads that depend on settings); a policy may grant these but
// need not. A type missing here fails least-privilege.test.ts, so a new resource cannot slip past the policy review.

export interface TerraformPermissions {
  required: string[];
  mayUse?: string[];
}

const ec2 = (...actions: string[]) => actions.map((a) => `ec2:${a}`);
const eks = (...actions: string[]) => actions.map((a) => `eks:${a}`);
const iam = (...actions: string[]) => actions.map((a) => `iam:${a}`);
const ssm = (...actions: string[]) => actions.map((a) => `ssm:${a}`);

export const TERRAFORM_IAM: Record<string, TerraformPermissions> = {
  // The account id the provider looks up when it starts.
  'provider aws': { required: ['sts:GetCallerIdentity'] },
  // State and its native lock file (use_lockfile) under tslab/<lab>/.
  'backend s3': {
    required: ['s3:ListBucket', 's3:GetObject', 's3:PutObject', 's3:DeleteObject'],
    mayUse: ['s3:GetBucketLocation'],
  },
  'data terraform_remote_state': { required: ['s3:ListBucket', 's3:GetObject'] },

  // Network stack. Creating a VPC reads its default network ACL, route table and security group.
  aws_vpc: {
    required: ec2(
      'CreateVpc',
      'DescribeVpcs',
      'DescribeVpcAttribute',
      'ModifyVpcAttribute',
      'DescribeNetworkAcls',
      'DescribeRouteTables',
      'DescribeSecurityGroups',
      'DeleteVpc',
      'CreateTags',
    ),
    mayUse: ec2('DeleteTags'),
  },
  aws_subnet: {
    required: ec2('CreateSubnet', 'DescribeSubnets', 'ModifySubnetAttribute', 'DeleteSubnet', 'CreateTags'),
    mayUse: ec2('DeleteTags', 'DescribeAvailabilityZones'),
  },
  aws_internet_gateway: {
    required: ec2(
      'CreateInternetGateway',
      'AttachInternetGateway',
      'DescribeInternetGateways',
      'DetachInternetGateway',
      'DeleteInternetGateway',
      'CreateTags',
    ),
    mayUse: ec2('DeleteTags'),
  },
  aws_eip: {
    required: ec2(
      'AllocateAddress',
      'DescribeAddresses',
      'DescribeAddressesAttribute',
      'DisassociateAddress',
      'ReleaseAddress',
      'CreateTags',
    ),
    mayUse: ec2('DeleteTags', 'DescribeAccountAttributes'),
  },
  aws_nat_gateway: {
    required: ec2('CreateNatGateway', 'DescribeNatGateways', 'DeleteNatGateway', 'CreateTags'),
    mayUse: ec2('DeleteTags'),
  },
  aws_route_table: {
    required: ec2('CreateRouteTable', 'DescribeRouteTables', 'DeleteRouteTable', 'CreateTags'),
    mayUse: ec2('DeleteTags'),
  },
  aws_route: {
    required: ec2('CreateRoute', 'DescribeRouteTables', 'DeleteRoute'),
    mayUse: ec2('ReplaceRoute'),
  },
  aws_route_table_association: {
    required: ec2('AssociateRouteTable', 'DescribeRouteTables', 'DisassociateRouteTable'),
    mayUse: ec2('ReplaceRouteTableAssociation'),
  },
  // The provider revokes the default allow-all egress rule of a new group.
  aws_security_group: {
    required: ec2(
      'CreateSecurityGroup',
      'DescribeSecurityGroups',
      'RevokeSecurityGroupEgress',
      'DeleteSecurityGroup',
      'CreateTags',
    ),
    mayUse: ec2('DeleteTags', 'RevokeSecurityGroupIngress', 'DescribeNetworkInterfaces'),
  },
  aws_vpc_security_group_ingress_rule: {
    required: ec2(
      'AuthorizeSecurityGroupIngress',
      'DescribeSecurityGroupRules',
      'RevokeSecurityGroupIngress',
      'CreateTags',
    ),
    mayUse: ec2('ModifySecurityGroupRules', 'DeleteTags'),
  },
  aws_vpc_security_group_egress_rule: {
    required: ec2(
      'AuthorizeSecurityGroupEgress',
      'DescribeSecurityGroupRules',
      'RevokeSecurityGroupEgress',
      'CreateTags',
    ),
    mayUse: ec2('ModifySecurityGroupRules', 'DeleteTags'),
  },
  // The client (and a NAT instance): source/destination checks off at creation, credit specification and root
  // volume read back, its instance profile's role passed.
  aws_instance: {
    required: [
      ...ec2(
        'RunInstances',
        'DescribeInstances',
        'DescribeInstanceAttribute',
        'DescribeInstanceCreditSpecifications',
        'DescribeVolumes',
        'ModifyInstanceAttribute',
        'TerminateInstances',
        'CreateTags',
      ),
      'iam:PassRole',
    ],
    mayUse: ec2('StopInstances', 'DescribeInstanceTypes', 'DescribeTags', 'DeleteTags'),
  },
  'data aws_ami': { required: ec2('DescribeImages') },

  // Cluster stack.
  aws_launch_template: {
    required: ec2(
      'CreateLaunchTemplate',
      'DescribeLaunchTemplates',
      'DescribeLaunchTemplateVersions',
      'DeleteLaunchTemplate',
      'CreateTags',
    ),
    mayUse: ec2('CreateLaunchTemplateVersion', 'ModifyLaunchTemplate', 'DeleteTags'),
  },
  aws_eks_cluster: {
    required: [
      ...eks('CreateCluster', 'DescribeCluster', 'DeleteCluster', 'TagResource'),
      ...iam('PassRole', 'CreateServiceLinkedRole'),
    ],
    mayUse: eks('UpdateClusterConfig', 'UpdateClusterVersion', 'DescribeUpdate', 'UntagResource'),
  },
  aws_eks_node_group: {
    required: [
      ...eks('CreateNodegroup', 'DescribeNodegroup', 'DeleteNodegroup', 'TagResource'),
      ...iam('PassRole', 'CreateServiceLinkedRole'),
    ],
    mayUse: eks(
      'UpdateNodegroupConfig',
      'UpdateNodegroupVersion',
      'DescribeUpdate',
      'ListNodegroups',
      'UntagResource',
    ),
  },
  aws_eks_addon: {
    required: eks('CreateAddon', 'DescribeAddon', 'DeleteAddon', 'TagResource'),
    mayUse: eks('UpdateAddon', 'DescribeAddonVersions', 'DescribeUpdate', 'ListAddons', 'UntagResource'),
  },
  aws_eks_access_entry: {
    required: eks('CreateAccessEntry', 'DescribeAccessEntry', 'DeleteAccessEntry', 'TagResource'),
    mayUse: eks('UpdateAccessEntry', 'ListAccessEntries', 'UntagResource'),
  },
  aws_eks_access_policy_association: {
    required: eks('AssociateAccessPolicy', 'ListAssociatedAccessPolicies', 'DisassociateAccessPolicy'),
  },
  aws_iam_role: {
    required: iam(
      'CreateRole',
      'GetRole',
      'ListRolePolicies',
      'ListAttachedRolePolicies',
      'ListInstanceProfilesForRole',
      'DeleteRole',
      'TagRole',
    ),
    // The client role is created with a permissions boundary, which IAM may also authorize as setting one.
    mayUse: iam('UntagRole', 'UpdateAssumeRolePolicy', 'PutRolePermissionsBoundary'),
  },
  aws_iam_role_policy_attachment: {
    required: iam('AttachRolePolicy', 'ListAttachedRolePolicies', 'DetachRolePolicy'),
  },
  'data aws_caller_identity': { required: ['sts:GetCallerIdentity'] },
  // An assumed-role session is turned back into its role's ARN (for the cluster's access entry).
  'data aws_iam_session_context': { required: iam('GetRole') },
  'data aws_partition': { required: [] },

  // Client stack.
  aws_iam_instance_profile: {
    required: iam(
      'CreateInstanceProfile',
      'GetInstanceProfile',
      'AddRoleToInstanceProfile',
      'RemoveRoleFromInstanceProfile',
      'DeleteInstanceProfile',
      'TagInstanceProfile',
      'PassRole',
    ),
    mayUse: iam('UntagInstanceProfile'),
  },
  // The client role's one inline policy: read the lab's auth key parameter and no other.
  aws_iam_role_policy: { required: iam('PutRolePolicy', 'GetRolePolicy', 'DeleteRolePolicy') },
  // The auth key as a SecureString: created with its tags, read back decrypted and described (the metadata call
  // takes no resource), retagged when the lab's tags change. The default aws/ssm key needs no KMS grant.
  aws_ssm_parameter: {
    required: ssm(
      'PutParameter',
      'GetParameter',
      'DescribeParameters',
      'ListTagsForResource',
      'AddTagsToResource',
      'DeleteParameter',
    ),
    mayUse: ssm('RemoveTagsFromResource'),
  },
  tailscale_tailnet_key: { required: [] },
  tailscale_federated_identity: { required: [] },
  // Built into terraform: the client's identity, whose change renews the key.
  terraform_data: { required: [] },

  // Workloads stack: Helm and Tailscale only; the EKS token is signed locally.
  'data aws_eks_cluster_auth': { required: [] },
  helm_release: { required: [] },
  tailscale_dns_split_nameservers: { required: [] },
};
