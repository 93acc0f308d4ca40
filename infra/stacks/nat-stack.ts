// Stack "nat": internet egress for the private subnets (infra/constructs/aws/nat-egress.ts) and their default route.
// A stack of its own so that nothing waits for the NAT (a NAT gateway takes ~1.7 min) but what needs egress: the
// nodes pulling images and the client's cloud-init (apt, Tailscale) wait for its route explicitly (egressRoute), while
// the cluster's control plane, which needs none, is created at the same time.
import type { DataResource } from 'cdktf';
import type { Construct } from 'constructs';
import type { LabConfig } from '../../src/lab/config.ts';
import { createLabAwsProvider } from '../constructs/aws/aws-provider.ts';
import { NatEgress } from '../constructs/aws/nat-egress.ts';
import { afterOtherStacks, LabStack } from './lab-stack.ts';
import type { NetworkStack } from './network-stack.ts';

export interface NatStackDeps {
  network: NetworkStack;
}

export class NatStack extends LabStack {
  /** The private subnets' default route through the NAT: there is egress once it exists. */
  readonly privateDefaultRouteId: string;

  constructor(scope: Construct, lab: LabConfig, { network }: NatStackDeps) {
    super(scope, 'nat', lab);
    createLabAwsProvider(this, lab);

    const nat = new NatEgress(this, 'nat', {
      lab,
      vpcId: network.vpcId,
      publicSubnetId: network.publicSubnetId,
      privateRouteTableId: network.privateRouteTableId,
      internet: afterOtherStacks(this, 'internet', { internetGatewayId: network.internetGatewayId }),
    });
    this.privateDefaultRouteId = nat.privateDefaultRoute.id;
  }
}

/** Stands for the NAT stack's private default route in `stack`: what needs egress lists it in depends_on. */
export function egressRoute(stack: LabStack, nat: NatStack): DataResource {
  return afterOtherStacks(stack, 'egress', { privateDefaultRouteId: nat.privateDefaultRouteId });
}
