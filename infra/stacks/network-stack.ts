// Stack "network": the VPC, its subnets and NAT, and the client's security group (here so the cluster stack can
// open the API endpoint to it before the client exists). No flow logs: a lab lives hours, and a log group would
// outlive it.
import type { Construct } from 'constructs';
import type { LabConfig } from '../../src/lab/config.ts';
import { createLabAwsProvider } from '../constructs/aws/aws-provider.ts';
import { ClientSecurityGroup } from '../constructs/aws/client-security-group.ts';
import { LabVpc } from '../constructs/aws/lab-vpc.ts';
import { NatEgress } from '../constructs/aws/nat-egress.ts';
import { LabStack } from './lab-stack.ts';

export class NetworkStack extends LabStack {
  readonly vpcId: string;
  readonly clusterSubnetIds: string[];
  readonly controlPlaneSubnetIds: string[];
  readonly clientSubnetId: string;
  readonly clientSecurityGroupId: string;

  constructor(scope: Construct, lab: LabConfig) {
    super(scope, 'network', lab);
    createLabAwsProvider(this, lab);

    const vpc = new LabVpc(this, 'vpc', { lab });
    new NatEgress(this, 'nat', {
      lab,
      vpcId: vpc.vpcId,
      publicSubnetId: vpc.publicSubnetId,
      privateRouteTableId: vpc.privateRouteTableId,
      internetGateway: vpc.internetGateway,
    });
    const clientSecurityGroup = new ClientSecurityGroup(this, 'client-sg', { lab, vpcId: vpc.vpcId });

    this.vpcId = vpc.vpcId;
    this.clusterSubnetIds = vpc.clusterSubnetIds;
    this.controlPlaneSubnetIds = vpc.controlPlaneSubnetIds;
    this.clientSubnetId = vpc.clientSubnetId;
    this.clientSecurityGroupId = clientSecurityGroup.securityGroupId;
  }
}
