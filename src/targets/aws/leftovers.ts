// What `terraform destroy` misses on EKS labs (docs/design/eks.md §2), removed before the VPC can go. Only inside the
// lab's own VPC (found by its tslab:lab tag), and there:
// - load balancers tagged `kubernetes.io/cluster/<the lab's cluster>` or carrying the AWS Load Balancer Controller's
//   `elbv2.k8s.aws/cluster` tag (Kubernetes controllers made them for LoadBalancer Services and Ingresses);
// - every network interface whose status is "available", whatever its tags: the VPC CNI leaves them behind when a
//   node or aws-node dies mid-detach. Safe because the VPC is the lab's own (its network stack made it for this lab
//   alone, so nothing else has interfaces there) and an available interface is attached to nothing: the NAT's, the
//   client's and the API endpoint's are in use, so never listed;
// - security groups carrying either tag, except the VPC's default group.
import {
  DeleteNetworkInterfaceCommand,
  DeleteSecurityGroupCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DeleteLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { labVpcIds } from '../../clients/aws/lab-resources.ts';

export interface Leftover {
  kind: 'network-interface' | 'security-group' | 'load-balancer';
  id: string;
  result: 'deleted' | 'would-delete';
}

export interface LeftoverClients {
  ec2: EC2Client;
  elb: ElasticLoadBalancingV2Client;
}

export interface LeftoverOptions {
  dryRun?: boolean;
  /** Told of each removal as it happens, so a caller retrying after a failure still knows what went before it. */
  onRemoved?: (leftover: Leftover) => void;
}

export async function removeAwsLeftovers(
  clients: LeftoverClients,
  labId: string,
  clusterName: string,
  options: LeftoverOptions = {},
): Promise<Leftover[]> {
  const removed: Leftover[] = [];
  const done: Done = (leftover) => {
    options.onRemoved?.(leftover);
    removed.push(leftover);
  };
  const dryRun = options.dryRun ?? false;
  for (const vpcId of await labVpcIds(clients.ec2, labId)) {
    await loadBalancers(clients.elb, vpcId, clusterName, dryRun, done);
    await availableInterfaces(clients.ec2, vpcId, dryRun, done);
    await clusterSecurityGroups(clients.ec2, vpcId, clusterName, dryRun, done);
  }
  return removed;
}

type Done = (leftover: Leftover) => void;

async function loadBalancers(
  elb: ElasticLoadBalancingV2Client,
  vpcId: string,
  clusterName: string,
  dryRun: boolean,
  done: Done,
): Promise<void> {
  const all = (await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
  const inVpc = all.filter((lb) => lb.VpcId === vpcId && lb.LoadBalancerArn);
  if (!inVpc.length) return;
  const tags = await elb.send(
    new DescribeTagsCommand({ ResourceArns: inVpc.map((lb) => lb.LoadBalancerArn!) }),
  );
  const owned = (tags.TagDescriptions ?? []).filter((d) =>
    (d.Tags ?? []).some(
      (t) => t.Key === `kubernetes.io/cluster/${clusterName}` || t.Key === 'elbv2.k8s.aws/cluster',
    ),
  );
  for (const lb of owned) {
    if (!dryRun) await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.ResourceArn }));
    done({ kind: 'load-balancer', id: lb.ResourceArn!, result: dryRun ? 'would-delete' : 'deleted' });
  }
}

async function availableInterfaces(
  ec2: EC2Client,
  vpcId: string,
  dryRun: boolean,
  done: Done,
): Promise<void> {
  const out = await ec2.send(
    new DescribeNetworkInterfacesCommand({
      Filters: [
        { Name: 'vpc-id', Values: [vpcId] },
        { Name: 'status', Values: ['available'] },
      ],
    }),
  );
  for (const eni of out.NetworkInterfaces ?? []) {
    if (!eni.NetworkInterfaceId) continue;
    if (!dryRun)
      await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni.NetworkInterfaceId }));
    done({
      kind: 'network-interface',
      id: eni.NetworkInterfaceId,
      result: dryRun ? 'would-delete' : 'deleted',
    });
  }
}

async function clusterSecurityGroups(
  ec2: EC2Client,
  vpcId: string,
  clusterName: string,
  dryRun: boolean,
  done: Done,
): Promise<void> {
  const out = await ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: 'vpc-id', Values: [vpcId] },
        { Name: 'tag-key', Values: [`kubernetes.io/cluster/${clusterName}`, 'elbv2.k8s.aws/cluster'] },
      ],
    }),
  );
  for (const group of out.SecurityGroups ?? []) {
    if (!group.GroupId || group.GroupName === 'default') continue;
    if (!dryRun) await ec2.send(new DeleteSecurityGroupCommand({ GroupId: group.GroupId }));
    done({ kind: 'security-group', id: group.GroupId, result: dryRun ? 'would-delete' : 'deleted' });
  }
}
