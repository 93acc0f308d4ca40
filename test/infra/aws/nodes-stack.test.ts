import { describe, expect, it } from 'vitest';
import { renderCorefile } from '../../../infra/constructs/aws/coredns-config.ts';
import {
  addonNamed as addon,
  addressOf,
  awaitedOutputs,
  crossStackResource,
  demoLab,
  onlyResource,
  resourcesOf,
  synthLab,
  type Json,
} from './synth-helpers.ts';

describe('nodes stack', () => {
  const { lab, network, nat, cluster, nodes, dependencies } = synthLab();
  const group = onlyResource(nodes, 'aws_eks_node_group');

  it('runs 2 × t3.medium AL2023 nodes by default, and the lab size when asked', () => {
    expect(group).toMatchObject({
      instance_types: ['t3.medium'],
      ami_type: 'AL2023_x86_64_STANDARD',
      scaling_config: { desired_size: 2, min_size: 2, max_size: 2 },
    });
    const bigger = onlyResource(
      synthLab(demoLab({ nodeCount: 3, nodeInstanceType: 'm6i.large' })).nodes,
      'aws_eks_node_group',
    );
    expect(bigger).toMatchObject({ instance_types: ['m6i.large'], scaling_config: { desired_size: 3 } });
  });

  it("joins the cluster stack's cluster, in the two pod subnets", () => {
    expect(crossStackResource(cluster, String(group.cluster_name)).name).toBe(lab.cluster.name);
    const cidrs = (group.subnet_ids as string[]).map((ref) => crossStackResource(network, ref).cidr_block);
    expect(cidrs).toEqual(lab.network.clusterSubnets);
  });

  it('launches nodes with IMDSv2 required, hop limit 1 (no pod reaches IMDS), an encrypted gp3 root and the lab tags', () => {
    const template = onlyResource(nodes, 'aws_launch_template');
    expect(template.metadata_options).toMatchObject({
      http_tokens: 'required',
      http_put_response_hop_limit: 1,
    });
    expect(template.block_device_mappings).toEqual([
      expect.objectContaining({ ebs: expect.objectContaining({ encrypted: 'true', volume_type: 'gp3' }) }),
    ]);
    const specs = template.tag_specifications as { resource_type: string; tags: Record<string, string> }[];
    expect(specs.map((spec) => spec.resource_type).sort()).toEqual([
      'instance',
      'network-interface',
      'volume',
    ]);
    for (const spec of specs) expect(spec.tags).toMatchObject(lab.tags);

    const templateAddress = addressOf(nodes, 'aws_launch_template', template);
    expect(group.launch_template).toEqual({
      id: `\${${templateAddress}.id}`,
      version: `\${${templateAddress}.latest_version}`,
    });
  });

  it('gives the node role the worker, CNI and ECR policies, and no SSM agent policy', () => {
    const nodeRole = String(group.node_role_arn).replace(/\.arn\}$/, '.name}');
    const policies = resourcesOf(nodes, 'aws_iam_role_policy_attachment')
      .filter(([, a]) => a.role === nodeRole)
      .map(([, a]) => String(a.policy_arn).split('/').pop());
    expect(policies.sort()).toEqual(
      ['AmazonEC2ContainerRegistryReadOnly', 'AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy'].sort(),
    );
  });

  it("waits for egress explicitly: the node group depends on the nat stack's private default route", () => {
    const { egress } = awaitedOutputs(nodes, group);
    const route = crossStackResource(nat, String(egress?.privateDefaultRouteId));
    expect(route.destination_cidr_block).toBe('0.0.0.0/0');
    const privateTable = crossStackResource(network, String(route.route_table_id));
    expect((privateTable.tags as Record<string, string>).Name).toBe('tslab-demo-private');
    expect(dependencies.nodes).toEqual(['cluster', 'nat', 'network']);
  });

  it('orders destroy: coredns, then the node group, then (in the cluster stack) the network addons, the policies last', () => {
    const roleName = String(group.node_role_arn).replace(/\.arn\}$/, '.name}');
    const attachments = resourcesOf(nodes, 'aws_iam_role_policy_attachment')
      .filter(([, a]) => a.role === roleName)
      .map(([id]) => `aws_iam_role_policy_attachment.${id}`);
    expect(group.depends_on).toEqual(expect.arrayContaining(attachments));
    expect(addon(nodes, 'coredns').depends_on).toEqual([addressOf(nodes, 'aws_eks_node_group', group)]);

    // The network addons live in the cluster stack: the node group names them, so they are created before it and,
    // the nodes stack reading the cluster stack, destroyed only after this whole stack.
    const arns = awaitedOutputs(nodes, group)['network-addons']?.networkAddonArns as string[];
    expect(arns.map((arn) => crossStackResource(cluster, arn).addon_name).sort()).toEqual([
      'kube-proxy',
      'vpc-cni',
    ]);
    expect(dependencies.nodes).toContain('cluster');
  });

  it('has coredns serve the lab zone beside cluster.local with the rest of the standard EKS Corefile', () => {
    const values = JSON.parse(String(addon(nodes, 'coredns').configuration_values)) as { corefile: string };
    const corefile = values.corefile;
    expect(corefile).toContain(`kubernetes cluster.local ${lab.cluster.dnsDomain} in-addr.arpa ip6.arpa {`);
    for (const line of [
      'errors',
      'ready',
      'pods insecure',
      'fallthrough in-addr.arpa ip6.arpa',
      'prometheus :9153',
      'forward . /etc/resolv.conf',
      'cache 30',
      'loop',
      'reload',
      'loadbalance',
    ]) {
      expect(corefile.split('\n').map((l) => l.trim())).toContain(line);
    }
    expect(corefile).toMatch(/health \{\s+lameduck 5s\s+\}/);
    expect(corefile).toBe(renderCorefile(lab.cluster.dnsDomain));
    const other: Json = synthLab(demoLab({ lab: 'other' })).nodes;
    expect(String(addon(other, 'coredns').configuration_values)).toContain('other.tslab.internal');
  });
});
