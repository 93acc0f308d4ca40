import { describe, expect, it } from 'vitest';
import { NAT_INSTANCE_TYPE } from '../../../infra/constructs/aws/nat-egress.ts';
import {
  demoLab,
  onlyResource,
  resourceAt,
  resourcesOf,
  resourceTypes,
  synthLab,
  type Json,
} from './synth-helpers.ts';

function subnetByCidr(network: Json, cidr: string): Json {
  const found = resourcesOf(network, 'aws_subnet').filter(([, s]) => s.cidr_block === cidr);
  expect(found, `subnets with CIDR ${cidr}`).toHaveLength(1);
  return found[0]![1];
}

function privateDefaultRoute(network: Json): Json {
  const privateTable = resourcesOf(network, 'aws_route_table').find(
    ([, t]) => (t.tags as Record<string, string>).Name === 'tslab-demo-private',
  );
  expect(privateTable).toBeDefined();
  const routes = resourcesOf(network, 'aws_route').filter(
    ([, r]) => r.route_table_id === `\${aws_route_table.${privateTable![0]}.id}`,
  );
  expect(routes).toHaveLength(1);
  expect(routes[0]![1].destination_cidr_block).toBe('0.0.0.0/0');
  return routes[0]![1];
}

describe('network stack', () => {
  const { lab, network } = synthLab();

  it('builds the VPC from the lab CIDR with DNS support and hostnames', () => {
    expect(onlyResource(network, 'aws_vpc')).toMatchObject({
      cidr_block: lab.network.vpcCidr,
      enable_dns_support: true,
      enable_dns_hostnames: true,
    });
  });

  it('puts the two EKS subnets in azs[0] and azs[1] with the internal-ELB and cluster tags', () => {
    lab.network.clusterSubnets.forEach((cidr, i) => {
      const subnet = subnetByCidr(network, cidr);
      expect(subnet.availability_zone).toBe(lab.azs[i]);
      expect(subnet.tags).toMatchObject({
        'kubernetes.io/role/internal-elb': '1',
        [`kubernetes.io/cluster/${lab.cluster.name}`]: 'shared',
      });
      expect(subnet.map_public_ip_on_launch).not.toBe(true);
    });
  });

  it('puts the client subnet in a third AZ, different from both EKS subnets, with no Kubernetes tags', () => {
    const client = subnetByCidr(network, lab.network.clientSubnet);
    const clusterAzs = lab.network.clusterSubnets.map(
      (cidr) => subnetByCidr(network, cidr).availability_zone,
    );
    expect(client.availability_zone).toBe(lab.azs[2]);
    expect(clusterAzs).not.toContain(client.availability_zone);
    expect(Object.keys(client.tags as Json).filter((key) => key.startsWith('kubernetes.io/'))).toEqual([]);
  });

  it('gives the public subnet the ELB tag, no automatic public IPs, and a default route to the internet gateway', () => {
    const publicSubnet = subnetByCidr(network, lab.network.publicSubnet);
    expect(publicSubnet.tags).toMatchObject({ 'kubernetes.io/role/elb': '1' });
    expect(publicSubnet.map_public_ip_on_launch).toBe(false);
    const igwRoutes = resourcesOf(network, 'aws_route').filter(([, r]) => r.gateway_id !== undefined);
    expect(igwRoutes).toHaveLength(1);
    expect(String(igwRoutes[0]![1].gateway_id)).toMatch(/^\$\{aws_internet_gateway\./);
  });

  it('routes every private subnet, and only those, through the private route table', () => {
    const privateTable = resourcesOf(network, 'aws_route_table').find(
      ([, t]) => (t.tags as Record<string, string>).Name === 'tslab-demo-private',
    )![0];
    const privateCidrs = resourcesOf(network, 'aws_route_table_association')
      .filter(([, a]) => a.route_table_id === `\${aws_route_table.${privateTable}.id}`)
      .map(([, a]) => resourceAt(network, String(a.subnet_id)).cidr_block);
    expect(privateCidrs.sort()).toEqual(
      [...lab.network.clusterSubnets, ...lab.network.controlPlaneSubnets, lab.network.clientSubnet].sort(),
    );
  });

  it('uses a single NAT gateway with an EIP in the public subnet by default', () => {
    const gateway = onlyResource(network, 'aws_nat_gateway');
    expect(resourceAt(network, String(gateway.subnet_id)).cidr_block).toBe(lab.network.publicSubnet);
    expect(String(gateway.allocation_id)).toMatch(/^\$\{aws_eip\./);
    expect(resourcesOf(network, 'aws_eip')).toHaveLength(1);
    expect(String(privateDefaultRoute(network).nat_gateway_id)).toMatch(/^\$\{aws_nat_gateway\./);
    expect(resourcesOf(network, 'aws_instance')).toHaveLength(0);
  });

  it('uses a hardened NAT instance, and no NAT gateway or EIP, when natMode is instance', () => {
    const { network: natNetwork } = synthLab(demoLab({ natMode: 'instance' }));
    expect(resourcesOf(natNetwork, 'aws_nat_gateway')).toHaveLength(0);
    expect(resourcesOf(natNetwork, 'aws_eip')).toHaveLength(0);
    const nat = onlyResource(natNetwork, 'aws_instance');
    expect(nat).toMatchObject({
      instance_type: NAT_INSTANCE_TYPE,
      source_dest_check: false,
      associate_public_ip_address: true,
      metadata_options: { http_tokens: 'required' },
      root_block_device: { encrypted: true },
    });
    expect(nat.key_name).toBeUndefined();
    expect(resourceAt(natNetwork, String(nat.subnet_id)).cidr_block).toBe(lab.network.publicSubnet);
    expect(String(nat.user_data)).toContain(`-s ${lab.network.vpcCidr} -j MASQUERADE`);
    expect(String(privateDefaultRoute(natNetwork).network_interface_id)).toMatch(
      /^\$\{aws_instance\.[^.]+\.primary_network_interface_id\}$/,
    );
  });

  it('lets nothing reach the NAT instance but the VPC, and opens no SSH port', () => {
    const { network: natNetwork } = synthLab(demoLab({ natMode: 'instance' }));
    const nat = onlyResource(natNetwork, 'aws_instance');
    const natGroups = nat.vpc_security_group_ids as string[];
    expect(natGroups).toHaveLength(1);
    expect(resourceAt(natNetwork, natGroups[0]!).name).toBe('tslab-demo-nat');
    const ingress = resourcesOf(natNetwork, 'aws_vpc_security_group_ingress_rule')
      .map(([, rule]) => rule)
      .filter((rule) => rule.security_group_id === natGroups[0]);
    expect(ingress).toEqual([expect.objectContaining({ cidr_ipv4: lab.network.vpcCidr, ip_protocol: '-1' })]);
  });

  it('gives the client security group WireGuard from the VPC as its only ingress, and all egress', () => {
    const group = resourcesOf(network, 'aws_security_group').find(([, g]) => g.name === 'tslab-demo-client');
    expect(group).toBeDefined();
    const ref = `\${aws_security_group.${group![0]}.id}`;
    const ingress = resourcesOf(network, 'aws_vpc_security_group_ingress_rule').filter(
      ([, r]) => r.security_group_id === ref,
    );
    expect(ingress.map(([, r]) => r)).toEqual([
      expect.objectContaining({
        ip_protocol: 'udp',
        from_port: 41641,
        to_port: 41641,
        cidr_ipv4: lab.network.vpcCidr,
      }),
    ]);
    const egress = resourcesOf(network, 'aws_vpc_security_group_egress_rule').filter(
      ([, r]) => r.security_group_id === ref,
    );
    expect(egress.map(([, r]) => r)).toEqual([
      expect.objectContaining({ ip_protocol: '-1', cidr_ipv4: '0.0.0.0/0' }),
    ]);
    expect(group![1].ingress).toBeUndefined();
  });

  it('creates no flow logs and no log groups', () => {
    for (const natMode of ['gateway', 'instance']) {
      const stack = synthLab(demoLab({ natMode })).network;
      expect(resourceTypes(stack)).not.toContain('aws_flow_log');
      expect(resourceTypes(stack)).not.toContain('aws_cloudwatch_log_group');
    }
  });
});
