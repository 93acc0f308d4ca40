// The lab's VPC: two private node/pod subnets, two control-plane subnets, the client's private subnet in a third AZ, and one public subnet for NAT.
// Private subnets share one route table whose default route the NAT construct adds.
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway/index.js';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table/index.js';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association/index.js';
import { Route } from '@cdktf/provider-aws/lib/route/index.js';
import { Subnet } from '@cdktf/provider-aws/lib/subnet/index.js';
import { Vpc } from '@cdktf/provider-aws/lib/vpc/index.js';
import { Construct } from 'constructs';
import type { LabConfig } from '../../../src/lab/config.ts';
import { nameTags } from './names.ts';

export interface LabVpcOptions {
  lab: LabConfig;
}

export class LabVpc extends Construct {
  readonly vpcId: string;
  readonly clusterSubnetIds: string[];
  readonly controlPlaneSubnetIds: string[];
  readonly clientSubnetId: string;
  readonly publicSubnetId: string;
  readonly privateRouteTableId: string;
  /** NAT needs the gateway attached before it can reach the internet. */
  readonly internetGateway: InternetGateway;

  constructor(scope: Construct, id: string, { lab }: LabVpcOptions) {
    super(scope, id);
    const { network, cluster, azs } = lab;

    const vpc = new Vpc(this, 'vpc', {
      cidrBlock: network.vpcCidr,
      enableDnsSupport: true,
      // The private EKS endpoint is resolved through the VPC resolver; it needs DNS hostnames on.
      enableDnsHostnames: true,
      tags: nameTags(lab, 'vpc'),
    });
    this.vpcId = vpc.id;

    const clusterPlacement = [
      { cidr: network.clusterSubnets[0], az: azs[0] },
      { cidr: network.clusterSubnets[1], az: azs[1] },
    ];
    const clusterSubnets = clusterPlacement.map(
      ({ cidr, az }, i) =>
        new Subnet(this, `cluster-${i}`, {
          vpcId: vpc.id,
          cidrBlock: cidr,
          availabilityZone: az,
          tags: nameTags(lab, `cluster-${az}`, {
            'kubernetes.io/role/internal-elb': '1',
            [`kubernetes.io/cluster/${cluster.name}`]: 'shared',
          }),
        }),
    );
    this.clusterSubnetIds = clusterSubnets.map((subnet) => subnet.id);

    // The private API endpoint's ENIs live here, apart from the pods (see AddressPlan.controlPlaneSubnets).
    const controlPlaneSubnets = network.controlPlaneSubnets.map(
      (cidr, i) =>
        new Subnet(this, `control-plane-${i}`, {
          vpcId: vpc.id,
          cidrBlock: cidr,
          availabilityZone: azs[i]!,
          tags: nameTags(lab, `control-plane-${azs[i]}`),
        }),
    );
    this.controlPlaneSubnetIds = controlPlaneSubnets.map((subnet) => subnet.id);

    const clientSubnet = new Subnet(this, 'client', {
      vpcId: vpc.id,
      cidrBlock: network.clientSubnet,
      availabilityZone: azs[2],
      tags: nameTags(lab, `client-${azs[2]}`),
    });
    this.clientSubnetId = clientSubnet.id;

    const publicSubnet = new Subnet(this, 'public', {
      vpcId: vpc.id,
      cidrBlock: network.publicSubnet,
      availabilityZone: azs[0],
      // Nothing gets a public address by accident; the NAT asks for one explicitly.
      mapPublicIpOnLaunch: false,
      tags: nameTags(lab, 'public', { 'kubernetes.io/role/elb': '1' }),
    });
    this.publicSubnetId = publicSubnet.id;

    this.internetGateway = new InternetGateway(this, 'igw', { vpcId: vpc.id, tags: nameTags(lab, 'igw') });
    const publicRoutes = new RouteTable(this, 'public-routes', {
      vpcId: vpc.id,
      tags: nameTags(lab, 'public'),
    });
    new Route(this, 'public-default', {
      routeTableId: publicRoutes.id,
      destinationCidrBlock: '0.0.0.0/0',
      gatewayId: this.internetGateway.id,
    });
    new RouteTableAssociation(this, 'public-assoc', {
      routeTableId: publicRoutes.id,
      subnetId: publicSubnet.id,
    });

    const privateRoutes = new RouteTable(this, 'private-routes', {
      vpcId: vpc.id,
      tags: nameTags(lab, 'private'),
    });
    this.privateRouteTableId = privateRoutes.id;
    [...clusterSubnets, ...controlPlaneSubnets, clientSubnet].forEach((subnet, i) => {
      new RouteTableAssociation(this, `private-assoc-${i}`, {
        routeTableId: privateRoutes.id,
        subnetId: subnet.id,
      });
    });
  }
}
