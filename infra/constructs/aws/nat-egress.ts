// Internet egress for the private subnets: one NAT gateway (default), or a NAT instance when lab.network.natMode is
// 'instance': cheaper, and not the always-symmetric NAT a NAT gateway is (docs/design/eks.md §4). Ends in the private
// subnets' default route: what needs egress waits for that route.
import { DataAwsAmi } from '@cdktf/provider-aws/lib/data-aws-ami/index.js';
import { Eip } from '@cdktf/provider-aws/lib/eip/index.js';
import { Instance } from '@cdktf/provider-aws/lib/instance/index.js';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway/index.js';
import { Route } from '@cdktf/provider-aws/lib/route/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import type { LabConfig } from '../../../src/lab/config.ts';
import { explicitLabTags, labResourceName, nameTags } from './names.ts';
import { renderNatInstanceUserData } from './nat-instance-user-data.ts';

/** Smallest current-generation x86 type: a lab's NAT carries apt/dnf downloads and Tailscale, nothing more. */
export const NAT_INSTANCE_TYPE = 't3.nano';
const AMAZON_LINUX_2023 = { owner: 'amazon', name: 'al2023-ami-2023.*-x86_64' };

export interface NatEgressOptions {
  lab: LabConfig;
  vpcId: string;
  publicSubnetId: string;
  privateRouteTableId: string;
  /** The internet gateway (or what stands for it in another stack): created before the NAT, destroyed after it. */
  internet: ITerraformDependable;
}

export class NatEgress extends Construct {
  /** The private subnets' default route through the NAT. */
  readonly privateDefaultRoute: Route;

  constructor(scope: Construct, id: string, options: NatEgressOptions) {
    super(scope, id);
    const target =
      options.lab.network.natMode === 'instance' ? this.natInstance(options) : this.natGateway(options);
    this.privateDefaultRoute = new Route(this, 'private-default', {
      routeTableId: options.privateRouteTableId,
      destinationCidrBlock: '0.0.0.0/0',
      ...target,
    });
  }

  private natGateway({ lab, publicSubnetId, internet }: NatEgressOptions): { natGatewayId: string } {
    const eip = new Eip(this, 'eip', {
      domain: 'vpc',
      tags: nameTags(lab, 'nat'),
      dependsOn: [internet],
    });
    const gateway = new NatGateway(this, 'gateway', {
      allocationId: eip.allocationId,
      subnetId: publicSubnetId,
      tags: nameTags(lab, 'nat'),
      dependsOn: [internet],
    });
    return { natGatewayId: gateway.id };
  }

  private natInstance({ lab, vpcId, publicSubnetId, internet }: NatEgressOptions): {
    networkInterfaceId: string;
  } {
    const securityGroup = new SecurityGroup(this, 'sg', {
      name: labResourceName(lab, 'nat'),
      description: 'tslab NAT instance: forwards the VPC, accepts nothing from outside it',
      vpcId,
      tags: nameTags(lab, 'nat'),
    });
    new VpcSecurityGroupIngressRule(this, 'from-vpc', {
      securityGroupId: securityGroup.id,
      description: 'traffic to forward, from the VPC only',
      ipProtocol: '-1',
      cidrIpv4: lab.network.vpcCidr,
      tags: nameTags(lab, 'nat-from-vpc'),
    });
    new VpcSecurityGroupEgressRule(this, 'to-anywhere', {
      securityGroupId: securityGroup.id,
      ipProtocol: '-1',
      cidrIpv4: '0.0.0.0/0',
      tags: nameTags(lab, 'nat-egress'),
    });
    const ami = new DataAwsAmi(this, 'ami', {
      owners: [AMAZON_LINUX_2023.owner],
      mostRecent: true,
      filter: [
        { name: 'name', values: [AMAZON_LINUX_2023.name] },
        { name: 'architecture', values: ['x86_64'] },
      ],
    });
    const instance = new Instance(this, 'instance', {
      ami: ami.id,
      instanceType: NAT_INSTANCE_TYPE,
      subnetId: publicSubnetId,
      // The public subnet does not map public IPs; the NAT is the one instance that needs one.
      associatePublicIpAddress: true,
      // It forwards packets that are neither from nor to itself.
      sourceDestCheck: false,
      vpcSecurityGroupIds: [securityGroup.id],
      metadataOptions: { httpTokens: 'required', httpEndpoint: 'enabled' },
      rootBlockDevice: { encrypted: true, volumeType: 'gp3', tags: explicitLabTags(lab, 'nat') },
      userData: renderNatInstanceUserData(lab.network.vpcCidr),
      userDataReplaceOnChange: true,
      tags: nameTags(lab, 'nat'),
      dependsOn: [internet],
      // A newer AMI must not replace the NAT under a running lab.
      lifecycle: { ignoreChanges: ['ami'] },
    });
    return { networkInterfaceId: instance.primaryNetworkInterfaceId };
  }
}
