// Stack "network": the VPC and its subnets, and the client's security group (here so the cluster stack can open the
// API endpoint to it before the client exists). The NAT is a stack of its own (nat-stack.ts): the control plane needs
// no egress, so it is created while the NAT is. No flow logs: a lab lives hours, and a log group would outlive it.
import type { Construct } from 'constructs';
import type { LabConfig } from '../../src/lab/config.ts';
import { createLabAwsProvider } from '../constructs/aws/aws-provider.ts';
import { ClientSecurityGroup } from '../constructs/aws/client-security-group.ts';
import { LabVpc } from '../constructs/aws/lab-vpc.ts';
import { LabStack } from './lab-stack.ts';

export class NetworkStack extends LabStack {
  readonly vpcId: string;
  readonly clusterSubnetIds: string[];
  readonly controlPlaneSubnetIds: string[];
  readonly clientSubnetId: string;
  readonly clientSecurityGroupId: string;
  readonly publicSubnetId: string;
  readonly privateRouteTableId: string;
  readonly internetGatewayId: string;

  constructor(scope: Construct, lab: LabConfig) {
    super(scope, 'network', lab);
    createLabAwsProvider(this, lab);

    const vpc = new LabVpc(this, 'vpc', { lab });
    const clientSecurityGroup = new ClientSecurityGroup(this, 'client-sg', { lab, vpcId: vpc.vpcId });

    this.vpcId = vpc.vpcId;
    this.clusterSubnetIds = vpc.clusterSubnetIds;
    this.controlPlaneSubnetIds = vpc.controlPlaneSubnetIds;
    this.clientSubnetId = vpc.clientSubnetId;
    this.clientSecurityGroupId = clientSecurityGroup.securityGroupId;
    this.publicSubnetId = vpc.publicSubnetId;
    this.privateRouteTableId = vpc.privateRouteTableId;
    this.internetGatewayId = vpc.internetGateway.id;
  }
}
