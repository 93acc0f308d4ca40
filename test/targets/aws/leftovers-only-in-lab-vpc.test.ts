import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DeleteNetworkInterfaceCommand,
  DeleteSecurityGroupCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DeleteLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { removeAwsLeftovers } from '../../../src/targets/aws/leftovers.ts';
import { removeLabDevices } from '../../../src/targets/aws/tailnet-devices.ts';

function fakes() {
  const ec2 = mockClient(EC2Client);
  const elb = mockClient(ElasticLoadBalancingV2Client);
  ec2
    .on(DescribeVpcsCommand, { Filters: [{ Name: 'tag:tslab:lab', Values: ['demo'] }] })
    .resolves({ Vpcs: [{ VpcId: 'vpc-lab' }] });
  ec2
    .on(DescribeNetworkInterfacesCommand)
    .resolves({ NetworkInterfaces: [{ NetworkInterfaceId: 'eni-left' }] });
  ec2.on(DescribeSecurityGroupsCommand).resolves({
    SecurityGroups: [
      { GroupId: 'sg-k8s', GroupName: 'k8s-elb-x' },
      { GroupId: 'sg-default', GroupName: 'default' },
    ],
  });
  elb.on(DescribeLoadBalancersCommand).resolves({
    LoadBalancers: [
      { LoadBalancerArn: 'arn:lb/lab', VpcId: 'vpc-lab' },
      { LoadBalancerArn: 'arn:lb/lab-untagged', VpcId: 'vpc-lab' },
      { LoadBalancerArn: 'arn:lb/other-vpc', VpcId: 'vpc-other' },
    ],
  });
  elb.on(DescribeTagsCommand).resolves({
    TagDescriptions: [
      { ResourceArn: 'arn:lb/lab', Tags: [{ Key: 'kubernetes.io/cluster/tslab-demo', Value: 'owned' }] },
      { ResourceArn: 'arn:lb/lab-untagged', Tags: [{ Key: 'team', Value: 'x' }] },
    ],
  });
  return { ec2, elb };
}

describe('teardown leftovers', () => {
  it('deletes, in the lab VPC only, the load balancers and security groups tagged for its cluster and every available ENI', async () => {
    const { ec2, elb } = fakes();
    const removed = await removeAwsLeftovers(
      { ec2: ec2 as unknown as EC2Client, elb: elb as unknown as ElasticLoadBalancingV2Client },
      'demo',
      'tslab-demo',
    );
    expect(removed.map((r) => r.id)).toEqual(['arn:lb/lab', 'eni-left', 'sg-k8s']);
    expect(elb.commandCalls(DeleteLoadBalancerCommand).map((c) => c.args[0].input.LoadBalancerArn)).toEqual([
      'arn:lb/lab',
    ]);
    expect(elb.commandCalls(DescribeTagsCommand)[0]!.args[0].input.ResourceArns).toEqual([
      'arn:lb/lab',
      'arn:lb/lab-untagged',
    ]);
    const eniFilters = ec2.commandCalls(DescribeNetworkInterfacesCommand)[0]!.args[0].input.Filters;
    expect(eniFilters).toEqual(
      expect.arrayContaining([
        { Name: 'vpc-id', Values: ['vpc-lab'] },
        { Name: 'status', Values: ['available'] },
      ]),
    );
    // The fake answers any filter: what keeps other security groups safe is the filter asked for.
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand)[0]!.args[0].input.Filters).toEqual([
      { Name: 'vpc-id', Values: ['vpc-lab'] },
      { Name: 'tag-key', Values: ['kubernetes.io/cluster/tslab-demo', 'elbv2.k8s.aws/cluster'] },
    ]);
    expect(ec2.commandCalls(DeleteSecurityGroupCommand).map((c) => c.args[0].input.GroupId)).toEqual([
      'sg-k8s',
    ]);
    expect(ec2.commandCalls(DeleteNetworkInterfaceCommand)).toHaveLength(1);
  });

  it('touches nothing when no VPC carries the lab tag', async () => {
    const { ec2, elb } = fakes();
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    const removed = await removeAwsLeftovers(
      { ec2: ec2 as unknown as EC2Client, elb: elb as unknown as ElasticLoadBalancingV2Client },
      'other',
      'tslab-other',
    );
    expect(removed).toEqual([]);
    expect(ec2.commandCalls(DeleteNetworkInterfaceCommand)).toHaveLength(0);
    expect(elb.commandCalls(DeleteLoadBalancerCommand)).toHaveLength(0);
  });

  it('lists without deleting in a dry run', async () => {
    const { ec2, elb } = fakes();
    const removed = await removeAwsLeftovers(
      { ec2: ec2 as unknown as EC2Client, elb: elb as unknown as ElasticLoadBalancingV2Client },
      'demo',
      'tslab-demo',
      { dryRun: true },
    );
    expect(removed.every((r) => r.result === 'would-delete')).toBe(true);
    expect(ec2.commandCalls(DeleteNetworkInterfaceCommand)).toHaveLength(0);
    expect(ec2.commandCalls(DeleteSecurityGroupCommand)).toHaveLength(0);
    expect(elb.commandCalls(DeleteLoadBalancerCommand)).toHaveLength(0);
  });

  it('removes the tailnet devices of the lab and leaves look-alikes', async () => {
    const deleted: string[] = [];
    const device = (id: string, hostname: string) => ({
      id,
      nodeId: `n${id}`,
      hostname,
      name: `${hostname}.ts.net`,
      addresses: [],
      tags: [],
      connectedToControl: true,
      advertisedRoutes: [],
      enabledRoutes: [],
    });
    const api = {
      listDevices: async () => [
        device('1', 'tslab-demo-client'),
        device('2', 'tslab-demo-router'),
        device('3', 'tslab-demo-2-client'),
        device('4', 'laptop'),
        device('5', 'tslab-demo-operator'),
      ],
      deleteDevice: async (id: string) => {
        deleted.push(id);
        return 'deleted' as const;
      },
    };
    const removed = await removeLabDevices(api, 'demo');
    expect(deleted).toEqual(['n1', 'n2', 'n5']);
    expect(removed.map((r) => r.hostname)).toEqual([
      'tslab-demo-client',
      'tslab-demo-router',
      'tslab-demo-operator',
    ]);
  });
});
