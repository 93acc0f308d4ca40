// The lab client's security group. It lives in the network stack so the cluster stack can let it reach the private
// API endpoint on 443 before the client itself exists.
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import { Construct } from 'constructs';
import type { LabConfig } from '../../../src/lab/config.ts';
import { labResourceName, nameTags } from './names.ts';

/** tailscaled's default WireGuard port. */
export const TAILSCALE_WIREGUARD_PORT = 41641;

export interface ClientSecurityGroupOptions {
  lab: LabConfig;
  vpcId: string;
}

export class ClientSecurityGroup extends Construct {
  readonly securityGroupId: string;

  constructor(scope: Construct, id: string, { lab, vpcId }: ClientSecurityGroupOptions) {
    super(scope, id);
    const group = new SecurityGroup(this, 'sg', {
      name: labResourceName(lab, 'client'),
      description: 'tslab client: WireGuard from the VPC only; no SSH (SSM and Tailscale SSH instead)',
      vpcId,
      tags: nameTags(lab, 'client'),
    });
    this.securityGroupId = group.id;

    // Lets in-VPC peers (the Connector pods) open direct WireGuard paths instead of relaying through DERP.
    new VpcSecurityGroupIngressRule(this, 'wireguard-from-vpc', {
      securityGroupId: group.id,
      description: 'Tailscale WireGuard from the VPC',
      ipProtocol: 'udp',
      fromPort: TAILSCALE_WIREGUARD_PORT,
      toPort: TAILSCALE_WIREGUARD_PORT,
      cidrIpv4: lab.network.vpcCidr,
      tags: nameTags(lab, 'client-wireguard'),
    });
    new VpcSecurityGroupEgressRule(this, 'egress-all', {
      securityGroupId: group.id,
      description: 'apt, Tailscale control/DERP, SSM, the EKS endpoint',
      ipProtocol: '-1',
      cidrIpv4: '0.0.0.0/0',
      tags: nameTags(lab, 'client-egress'),
    });
  }
}
