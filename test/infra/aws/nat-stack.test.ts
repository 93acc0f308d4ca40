import { describe, expect, it } from 'vitest';
import { NAT_INSTANCE_TYPE } from '../../../infra/constructs/aws/nat-egress.ts';
import {
  awaitedOutputs,
  crossStackResource,
  demoLab,
  onlyResource,
  resourceAt,
  resourcesOf,
  resourceTypes,
  synthLab,
  type Json,
} from './synth-helpers.ts';

/** The nat stack's one route: the private route table's default route. */
function privateDefaultRoute(nat: Json, network: Json): Json {
  const route = onlyResource(nat, 'aws_route');
  expect(route.destination_cidr_block).toBe('0.0.0.0/0');
  const table = crossStackResource(network, String(route.route_table_id));
  expect((table.tags as Record<string, string>).Name).toBe('tslab-demo-private');
  return route;
}

describe('nat stack', () => {
  const { lab, network, nat, dependencies } = synthLab();

  it('reads the network stack only', () => {
    expect(dependencies.nat).toEqual(['network']);
  });

  it('uses a single NAT gateway with an EIP in the public subnet by default', () => {
    const gateway = onlyResource(nat, 'aws_nat_gateway');
    expect(crossStackResource(network, String(gateway.subnet_id)).cidr_block).toBe(lab.network.publicSubnet);
    expect(String(gateway.allocation_id)).toMatch(/^\$\{aws_eip\./);
    expect(resourcesOf(nat, 'aws_eip')).toHaveLength(1);
    expect(String(privateDefaultRoute(nat, network).nat_gateway_id)).toMatch(/^\$\{aws_nat_gateway\./);
    expect(resourcesOf(nat, 'aws_instance')).toHaveLength(0);
  });

  it("creates the NAT gateway and its EIP after the network stack's internet gateway, and destroys them before it", () => {
    for (const resource of [onlyResource(nat, 'aws_nat_gateway'), onlyResource(nat, 'aws_eip')]) {
      const { internet } = awaitedOutputs(nat, resource);
      expect(String(internet?.internetGatewayId)).toMatch(/\.outputs\./);
      expect(crossStackResource(network, String(internet?.internetGatewayId)).vpc_id).toMatch(
        /^\$\{aws_vpc\./,
      );
      expect(resourcesOf(network, 'aws_internet_gateway')).toHaveLength(1);
    }
  });

  it('uses a hardened NAT instance, and no NAT gateway or EIP, when natMode is instance', () => {
    const { network: natNetwork, nat: natInstance } = synthLab(demoLab({ natMode: 'instance' }));
    expect(resourcesOf(natInstance, 'aws_nat_gateway')).toHaveLength(0);
    expect(resourcesOf(natInstance, 'aws_eip')).toHaveLength(0);
    const instance = onlyResource(natInstance, 'aws_instance');
    expect(instance).toMatchObject({
      instance_type: NAT_INSTANCE_TYPE,
      source_dest_check: false,
      associate_public_ip_address: true,
      metadata_options: { http_tokens: 'required' },
      root_block_device: { encrypted: true },
    });
    expect(instance.key_name).toBeUndefined();
    expect(crossStackResource(natNetwork, String(instance.subnet_id)).cidr_block).toBe(
      lab.network.publicSubnet,
    );
    expect(String(instance.user_data)).toContain(`-s ${lab.network.vpcCidr} -j MASQUERADE`);
    expect(Object.keys(awaitedOutputs(natInstance, instance))).toEqual(['internet']);
    expect(String(privateDefaultRoute(natInstance, natNetwork).network_interface_id)).toMatch(
      /^\$\{aws_instance\.[^.]+\.primary_network_interface_id\}$/,
    );
  });

  it('lets nothing reach the NAT instance but the VPC, and opens no SSH port', () => {
    const { nat: natInstance } = synthLab(demoLab({ natMode: 'instance' }));
    const instance = onlyResource(natInstance, 'aws_instance');
    const natGroups = instance.vpc_security_group_ids as string[];
    expect(natGroups).toHaveLength(1);
    expect(resourceAt(natInstance, natGroups[0]!).name).toBe('tslab-demo-nat');
    const ingress = resourcesOf(natInstance, 'aws_vpc_security_group_ingress_rule')
      .map(([, rule]) => rule)
      .filter((rule) => rule.security_group_id === natGroups[0]);
    expect(ingress).toEqual([expect.objectContaining({ cidr_ipv4: lab.network.vpcCidr, ip_protocol: '-1' })]);
  });

  it('creates no flow logs and no log groups', () => {
    for (const natMode of ['gateway', 'instance']) {
      const stack = synthLab(demoLab({ natMode })).nat;
      expect(resourceTypes(stack)).not.toContain('aws_flow_log');
      expect(resourceTypes(stack)).not.toContain('aws_cloudwatch_log_group');
    }
  });
});
