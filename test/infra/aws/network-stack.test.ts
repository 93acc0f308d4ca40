import { describe, expect, it } from 'vitest';
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

  it('holds no NAT and no private default route: the nat stack adds them', () => {
    for (const natMode of ['gateway', 'instance']) {
      const stack = synthLab(demoLab({ natMode })).network;
      for (const type of ['aws_nat_gateway', 'aws_eip', 'aws_instance']) {
        expect(resourcesOf(stack, type), type).toEqual([]);
      }
      expect(resourcesOf(stack, 'aws_route').map(([, r]) => r.destination_cidr_block)).toEqual(['0.0.0.0/0']);
      expect(resourcesOf(stack, 'aws_route').map(([, r]) => r.gateway_id)).toEqual([
        expect.stringMatching(/^\$\{aws_internet_gateway\./),
      ]);
    }
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
