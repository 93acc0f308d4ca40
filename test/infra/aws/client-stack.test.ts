import { TerraformVariable } from 'cdktf';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { AUTH_KEY_PATH } from '../../../infra/constructs/aws/client-cloud-init.ts';
import { CANONICAL_OWNER_ID, UBUNTU_NOBLE_AMI_NAME } from '../../../infra/constructs/aws/client-instance.ts';
import {
  FAKE_AUTH_KEY_EXPRESSION,
  crossStackResource,
  dataSourcesOf,
  demoLab,
  onlyResource,
  resourceAt,
  resourcesOf,
  synthLab,
} from './synth-helpers.ts';

describe('client stack', () => {
  const { lab, network, client } = synthLab();
  const instance = onlyResource(client, 'aws_instance');

  it('runs the lab instance type from the latest Canonical Ubuntu 24.04 amd64 image', () => {
    expect(instance.instance_type).toBe(lab.client.instanceType);
    const amis = dataSourcesOf(client, 'aws_ami');
    expect(amis).toHaveLength(1);
    const [amiId, ami] = amis[0]!;
    expect(instance.ami).toBe(`\${data.aws_ami.${amiId}.id}`);
    expect(ami).toMatchObject({ owners: [CANONICAL_OWNER_ID], most_recent: true });
    expect(ami.filter).toEqual(expect.arrayContaining([{ name: 'name', values: [UBUNTU_NOBLE_AMI_NAME] }]));
    expect(UBUNTU_NOBLE_AMI_NAME).toMatch(/noble-24\.04-amd64-server/);
  });

  it('has no public IP, requires IMDSv2, encrypts its root volume and routes for others', () => {
    expect(instance).toMatchObject({
      associate_public_ip_address: false,
      source_dest_check: false,
      metadata_options: { http_tokens: 'required' },
      root_block_device: { encrypted: true },
    });
    expect(instance.key_name).toBeUndefined();
  });

  it('sits in the client subnet, whose AZ differs from both EKS subnets', () => {
    const subnet = crossStackResource(network, String(instance.subnet_id));
    expect(subnet.cidr_block).toBe(lab.network.clientSubnet);
    const clusterAzs = resourcesOf(network, 'aws_subnet')
      .map(([, s]) => s)
      .filter((s) => (lab.network.clusterSubnets as string[]).includes(String(s.cidr_block)))
      .map((s) => s.availability_zone);
    expect(clusterAzs).toHaveLength(2);
    expect(clusterAzs).not.toContain(subnet.availability_zone);
  });

  it('uses the client security group from the network stack and no other', () => {
    const groups = instance.vpc_security_group_ids as string[];
    expect(groups).toHaveLength(1);
    expect(crossStackResource(network, groups[0]!).name).toBe('tslab-demo-client');
  });

  it('carries an instance profile whose role has AmazonSSMManagedInstanceCore', () => {
    const profile = resourceAt(client, String(instance.iam_instance_profile));
    const policies = resourcesOf(client, 'aws_iam_role_policy_attachment')
      .filter(([, a]) => a.role === profile.role)
      .map(([, a]) => String(a.policy_arn));
    expect(policies).toEqual([expect.stringMatching(/:iam::aws:policy\/AmazonSSMManagedInstanceCore$/)]);
    expect(resourceAt(client, String(profile.role)).assume_role_policy).toContain('ec2.amazonaws.com');
  });

  it('boots the rendered cloud-init with the key from the key source, and is replaced when it changes', () => {
    const userData = String(instance.user_data);
    expect(userData.startsWith('#cloud-config\n')).toBe(true);
    expect(userData).toContain(lab.workloads.nonce);
    expect(userData.split(FAKE_AUTH_KEY_EXPRESSION)).toHaveLength(2);
    expect(instance.user_data_replace_on_change).toBe(true);
  });

  it('resolves a key handed over as a cdktf token into a Terraform reference inside the key file', () => {
    const keyed = synthLab(demoLab(), {
      authKey: (scope) =>
        new TerraformVariable(scope, 'tailnet_auth_key', { type: 'string', sensitive: true }).stringValue,
    });
    const config = parse(String(onlyResource(keyed.client, 'aws_instance').user_data)) as {
      write_files: { path: string; content: string }[];
    };
    const keyFile = config.write_files.find((file) => file.path === AUTH_KEY_PATH);
    expect(keyFile?.content).toBe('${var.tailnet_auth_key}');
  });
});
