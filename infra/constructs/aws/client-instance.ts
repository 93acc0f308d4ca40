// The lab client: an Ubuntu 24.04 instance in its own private subnet, a Tailscale subnet router (so no
// source/dest check), reachable only through SSM and the tailnet: no public IP, no key pair, IMDSv2 only. Its role
// reads one thing beyond what SSM needs: the lab's auth key parameter (docs/design/workload-identity.md §9).
import { DataAwsAmi } from '@cdktf/provider-aws/lib/data-aws-ami/index.js';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition/index.js';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { Instance } from '@cdktf/provider-aws/lib/instance/index.js';
import { Construct } from 'constructs';
import type { LabConfig } from '../../../src/lab/config.ts';
import { readOnlyThisParameterPolicy } from './client-auth-key-parameter.ts';
import { explicitLabTags, nameTags } from './names.ts';
import { ServiceRole } from './service-role.ts';

/** Canonical's AWS account, the publisher of the official Ubuntu AMIs. */
export const CANONICAL_OWNER_ID = '099720109477';
export const UBUNTU_NOBLE_AMI_NAME = 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*';
/**
 * The client role's permissions boundary, the one managed policy it needs. tslab's own role may write the role's
 * inline policy only under this boundary (docs/iam/tslab-lab-policy.json), so no inline policy can lift it above it.
 */
export const CLIENT_ROLE_BOUNDARY_POLICY = 'AmazonSSMManagedInstanceCore';

export interface ClientInstanceOptions {
  lab: LabConfig;
  subnetId: string;
  securityGroupId: string;
  /** The rendered cloud-init (see renderClientCloudInit). */
  userData: string;
  /** ARN of the SSM parameter holding the auth key: the only parameter the role may read. */
  authKeyParameterArn: string;
}

export class ClientInstance extends Construct {
  readonly instance: Instance;
  readonly instanceId: string;
  readonly privateIp: string;

  constructor(
    scope: Construct,
    id: string,
    { lab, subnetId, securityGroupId, userData, authKeyParameterArn }: ClientInstanceOptions,
  ) {
    super(scope, id);
    const ami = new DataAwsAmi(this, 'ubuntu', {
      owners: [CANONICAL_OWNER_ID],
      mostRecent: true,
      filter: [
        { name: 'name', values: [UBUNTU_NOBLE_AMI_NAME] },
        { name: 'virtualization-type', values: ['hvm'] },
        { name: 'architecture', values: ['x86_64'] },
      ],
    });

    // SSM Run Command is how validation runs commands on the client.
    const role = new ServiceRole(this, 'role', {
      lab,
      what: 'client',
      namePrefix: `${lab.client.hostname}-`,
      service: 'ec2.amazonaws.com',
      managedPolicies: [CLIENT_ROLE_BOUNDARY_POLICY],
    });
    const partition = new DataAwsPartition(this, 'partition').partition;
    role.role.permissionsBoundary = `arn:${partition}:iam::aws:policy/${CLIENT_ROLE_BOUNDARY_POLICY}`;
    const readAuthKey = new IamRolePolicy(this, 'read-auth-key', {
      namePrefix: 'tslab-read-auth-key-',
      role: role.role.name,
      policy: readOnlyThisParameterPolicy(authKeyParameterArn),
    });
    const profile = new IamInstanceProfile(this, 'profile', {
      namePrefix: `${lab.client.hostname}-`,
      role: role.role.name,
      tags: nameTags(lab, 'client'),
    });

    this.instance = new Instance(this, 'instance', {
      ami: ami.id,
      instanceType: lab.client.instanceType,
      subnetId,
      vpcSecurityGroupIds: [securityGroupId],
      associatePublicIpAddress: false,
      sourceDestCheck: false,
      iamInstanceProfile: profile.name,
      metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required' },
      rootBlockDevice: { encrypted: true, volumeType: 'gp3', tags: explicitLabTags(lab, 'client') },
      userData,
      // cloud-init runs once per instance: a changed page or key parameter only takes effect on a fresh instance.
      userDataReplaceOnChange: true,
      tags: nameTags(lab, 'client'),
      // The SSM agent registers with whatever the role grants at boot; cloud-init reads the key with it.
      dependsOn: [...role.attachments, readAuthKey],
      // A newer Ubuntu image must not replace the client under a running lab.
      lifecycle: { ignoreChanges: ['ami'] },
    });
    this.instanceId = this.instance.id;
    this.privateIp = this.instance.privateIp;
  }
}
