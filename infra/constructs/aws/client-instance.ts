// The lab client: an Ubuntu 24.04 instance in its own private subnet, a Tailscale subnet router (so no
// source/dest check), reachable only through SSM and the tailnet: no public IP, no key pair, IMDSv2 only.
import { DataAwsAmi } from '@cdktf/provider-aws/lib/data-aws-ami/index.js';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile/index.js';
import { Instance } from '@cdktf/provider-aws/lib/instance/index.js';
import { Construct } from 'constructs';
import type { LabConfig } from '../../../src/lab/config.ts';
import { explicitLabTags, nameTags } from './names.ts';
import { ServiceRole } from './service-role.ts';

/** Canonical's AWS account, the publisher of the official Ubuntu AMIs. */
export const CANONICAL_OWNER_ID = '099720109477';
export const UBUNTU_NOBLE_AMI_NAME = 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*';

export interface ClientInstanceOptions {
  lab: LabConfig;
  subnetId: string;
  securityGroupId: string;
  /** The rendered cloud-init (see renderClientCloudInit). */
  userData: string;
}

export class ClientInstance extends Construct {
  readonly instance: Instance;
  readonly instanceId: string;
  readonly privateIp: string;

  constructor(
    scope: Construct,
    id: string,
    { lab, subnetId, securityGroupId, userData }: ClientInstanceOptions,
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
      managedPolicies: ['AmazonSSMManagedInstanceCore'],
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
      // cloud-init runs once per instance: a changed page or key only takes effect on a fresh instance.
      userDataReplaceOnChange: true,
      tags: nameTags(lab, 'client'),
      // The SSM agent registers with whatever the role grants at boot.
      dependsOn: role.attachments,
      // A newer Ubuntu image must not replace the client under a running lab.
      lifecycle: { ignoreChanges: ['ami'] },
    });
    this.instanceId = this.instance.id;
    this.privateIp = this.instance.privateIp;
  }
}
