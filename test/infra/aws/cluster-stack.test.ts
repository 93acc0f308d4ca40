import { describe, expect, it } from 'vitest';
import {
  addonNamed as addon,
  addressOf,
  crossStackResource,
  dataSourcesOf,
  onlyResource,
  resourcesOf,
  synthLab,
  type Json,
} from './synth-helpers.ts';

describe('cluster stack', () => {
  const { lab, network, cluster, dependencies } = synthLab();
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

  it('holds the control plane, admin access, the network addons and the API rule, and no nodes', () => {
    expect(
      resourcesOf(cluster, 'aws_eks_addon')
        .map(([, a]) => a.addon_name)
        .sort(),
    ).toEqual(['kube-proxy', 'vpc-cni']);
    expect(resourcesOf(cluster, 'aws_eks_node_group')).toEqual([]);
    expect(resourcesOf(cluster, 'aws_launch_template')).toEqual([]);
  });

  it('needs no egress: it reads the network stack only, so the control plane is created while the NAT is', () => {
    expect(dependencies.cluster).toEqual(['network']);
    const remote = dataSourcesOf(cluster, 'terraform_remote_state').map(([, source]) => source);
    expect(remote.map((source) => (source.config as Json).path)).toEqual([
      expect.stringMatching(/\/network\.tfstate$/),
    ]);
  });

  it('orders destroy: the role keeps its policy until the cluster is gone, the network addons go before it', () => {
    const roleName = String(eks.role_arn).replace(/\.arn\}$/, '.name}');
    const attachments = resourcesOf(cluster, 'aws_iam_role_policy_attachment')
      .filter(([, a]) => a.role === roleName)
      .map(([id]) => `aws_iam_role_policy_attachment.${id}`);
    expect(attachments).toHaveLength(1);
    expect(eks.depends_on).toEqual(expect.arrayContaining(attachments));
    for (const name of ['vpc-cni', 'kube-proxy']) {
      expect(addon(cluster, name).cluster_name).toBe(
        `\${${addressOf(cluster, 'aws_eks_cluster', eks)}.name}`,
      );
    }
    expect(eks.bootstrap_self_managed_addons).toBe(false);
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
