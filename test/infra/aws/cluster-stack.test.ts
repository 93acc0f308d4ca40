import { describe, expect, it } from 'vitest';
import { renderCorefile } from '../../../infra/constructs/aws/coredns-config.ts';
import {
  crossStackResource,
  dataSourcesOf,
  demoLab,
  onlyResource,
  resourcesOf,
  synthLab,
  type Json,
} from './synth-helpers.ts';

function addon(cluster: Json, name: string): Json {
  const found = resourcesOf(cluster, 'aws_eks_addon').filter(([, a]) => a.addon_name === name);
  expect(found, `addon ${name}`).toHaveLength(1);
  return found[0]![1];
}

function addressOf(stack: Json, type: string, body: Json): string {
  const entry = resourcesOf(stack, type).find(([, candidate]) => candidate === body);
  if (!entry) throw new Error(`resource not in ${type}`);
  return `${type}.${entry[0]}`;
}

describe('cluster stack', () => {
  const { lab, network, cluster } = synthLab();
  const eks = onlyResource(cluster, 'aws_eks_cluster');

  it('exposes the API on the private endpoint only', () => {
    expect(eks.vpc_config).toMatchObject({ endpoint_private_access: true, endpoint_public_access: false });
  });

  it('places the control plane in its own two subnets, apart from the pod subnets the Connector advertises', () => {
    const subnetIds = (eks.vpc_config as Json).subnet_ids as string[];
    const cidrs = subnetIds.map((ref) => crossStackResource(network, ref).cidr_block);
    expect(cidrs).toEqual(lab.network.controlPlaneSubnets);
    expect(cidrs).not.toEqual(expect.arrayContaining([lab.network.clusterSubnets[0]]));
  });

  it('stays on standard support, never the extended-support price', () => {
    expect(eks.upgrade_policy).toEqual({ support_type: 'STANDARD' });
  });

  it('uses the lab service CIDR, its Kubernetes version and its cluster name', () => {
    expect(eks.kubernetes_network_config).toMatchObject({ service_ipv4_cidr: lab.network.serviceCidr });
    expect(eks).toMatchObject({ name: lab.cluster.name, version: lab.cluster.kubernetesVersion });
  });

  it('authenticates through access entries only, without implicit creator admin, and keeps no control-plane logs', () => {
    expect(eks.access_config).toEqual({
      authentication_mode: 'API',
      bootstrap_cluster_creator_admin_permissions: false,
    });
    expect(eks.enabled_cluster_log_types ?? []).toEqual([]);
  });

  it('makes the deploying role (not its assumed-role session) cluster admin through an access entry', () => {
    const callers = dataSourcesOf(cluster, 'aws_caller_identity');
    const sessions = dataSourcesOf(cluster, 'aws_iam_session_context');
    expect([callers.length, sessions.length]).toEqual([1, 1]);
    const [sessionId, session] = sessions[0]!;
    expect(session.arn).toBe(`\${data.aws_caller_identity.${callers[0]![0]}.arn}`);

    const entry = onlyResource(cluster, 'aws_eks_access_entry');
    expect(entry.principal_arn).toBe(`\${data.aws_iam_session_context.${sessionId}.issuer_arn}`);
    const association = onlyResource(cluster, 'aws_eks_access_policy_association');
    expect(association.access_scope).toEqual({ type: 'cluster' });
    expect(String(association.policy_arn)).toMatch(
      /:eks::aws:cluster-access-policy\/AmazonEKSClusterAdminPolicy$/,
    );
    expect(association.principal_arn).toBe(
      `\${${addressOf(cluster, 'aws_eks_access_entry', entry)}.principal_arn}`,
    );
  });

  it('runs 2 × t3.medium AL2023 nodes by default, and the lab size when asked', () => {
    const group = onlyResource(cluster, 'aws_eks_node_group');
    expect(group).toMatchObject({
      instance_types: ['t3.medium'],
      ami_type: 'AL2023_x86_64_STANDARD',
      scaling_config: { desired_size: 2, min_size: 2, max_size: 2 },
    });
    const bigger = onlyResource(
      synthLab(demoLab({ nodeCount: 3, nodeInstanceType: 'm6i.large' })).cluster,
      'aws_eks_node_group',
    );
    expect(bigger).toMatchObject({ instance_types: ['m6i.large'], scaling_config: { desired_size: 3 } });
  });

  it('launches nodes with IMDSv2 required, hop limit 1 (no pod reaches IMDS), an encrypted gp3 root and the lab tags', () => {
    const template = onlyResource(cluster, 'aws_launch_template');
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

    const group = onlyResource(cluster, 'aws_eks_node_group');
    const templateAddress = addressOf(cluster, 'aws_launch_template', template);
    expect(group.launch_template).toEqual({
      id: `\${${templateAddress}.id}`,
      version: `\${${templateAddress}.latest_version}`,
    });
  });

  it('gives the node role the worker, CNI and ECR policies, and no SSM agent policy', () => {
    const group = onlyResource(cluster, 'aws_eks_node_group');
    const nodeRole = String(group.node_role_arn).replace(/\.arn\}$/, '.name}');
    const policies = resourcesOf(cluster, 'aws_iam_role_policy_attachment')
      .filter(([, a]) => a.role === nodeRole)
      .map(([, a]) => String(a.policy_arn).split('/').pop());
    expect(policies.sort()).toEqual(
      ['AmazonEC2ContainerRegistryReadOnly', 'AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy'].sort(),
    );
  });

  it('orders destroy: policy attachments outlive the cluster and nodes, the CNI outlives the nodes, coredns goes first', () => {
    const attachmentsOf = (roleArnRef: unknown): string[] => {
      const roleName = String(roleArnRef).replace(/\.arn\}$/, '.name}');
      return resourcesOf(cluster, 'aws_iam_role_policy_attachment')
        .filter(([, a]) => a.role === roleName)
        .map(([id]) => `aws_iam_role_policy_attachment.${id}`);
    };
    const group = onlyResource(cluster, 'aws_eks_node_group');
    expect(eks.depends_on).toEqual(expect.arrayContaining(attachmentsOf(eks.role_arn)));
    expect(attachmentsOf(eks.role_arn)).toHaveLength(1);
    expect(group.depends_on).toEqual(
      expect.arrayContaining([
        ...attachmentsOf(group.node_role_arn),
        addressOf(cluster, 'aws_eks_addon', addon(cluster, 'vpc-cni')),
        addressOf(cluster, 'aws_eks_addon', addon(cluster, 'kube-proxy')),
      ]),
    );
    expect(addon(cluster, 'coredns').depends_on).toEqual([addressOf(cluster, 'aws_eks_node_group', group)]);
    expect(eks.bootstrap_self_managed_addons).toBe(false);
  });

  it('has coredns serve the lab zone beside cluster.local with the rest of the standard EKS Corefile', () => {
    const values = JSON.parse(String(addon(cluster, 'coredns').configuration_values)) as { corefile: string };
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
    const other = synthLab(demoLab({ lab: 'other' })).cluster;
    expect(String(addon(other, 'coredns').configuration_values)).toContain('other.tslab.internal');
  });

  it('lets the client security group reach the cluster security group on tcp 443', () => {
    const rules = resourcesOf(cluster, 'aws_vpc_security_group_ingress_rule').map(([, r]) => r);
    expect(rules).toHaveLength(1);
    const rule = rules[0]!;
    expect(rule).toMatchObject({ ip_protocol: 'tcp', from_port: 443, to_port: 443 });
    expect(rule.cidr_ipv4).toBeUndefined();
    expect(rule.security_group_id).toBe(
      `\${${addressOf(cluster, 'aws_eks_cluster', eks)}.vpc_config[0].cluster_security_group_id}`,
    );
    expect(crossStackResource(network, String(rule.referenced_security_group_id)).name).toBe(
      'tslab-demo-client',
    );
  });
});
