import { TerraformVariable } from 'cdktf';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { SETUP_SCRIPT_PATH } from '../../../infra/constructs/aws/client-cloud-init.ts';
import { CANONICAL_OWNER_ID, UBUNTU_NOBLE_AMI_NAME } from '../../../infra/constructs/aws/client-instance.ts';
import {
  FAKE_AUTH_KEY_EXPRESSION,
  awaitedOutputs,
  crossStackResource,
  dataSourcesOf,
  demoLab,
  onlyResource,
  type Json,
  resourceAt,
  resourcesOf,
  synthLab,
} from './synth-helpers.ts';

describe('client stack', () => {
  const { lab, network, nat, client, dependencies } = synthLab();
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

  it("boots only once the nat stack's private default route exists: cloud-init installs Tailscale with apt", () => {
    const { egress } = awaitedOutputs(client, instance);
    const route = crossStackResource(nat, String(egress?.privateDefaultRouteId));
    expect(route.destination_cidr_block).toBe('0.0.0.0/0');
    expect(dependencies.client).toEqual(['nat', 'network']);
  });

  it('uses the client security group from the network stack and no other', () => {
    const groups = instance.vpc_security_group_ids as string[];
    expect(groups).toHaveLength(1);
    expect(crossStackResource(network, groups[0]!).name).toBe('tslab-demo-client');
  });

  it('carries an instance profile whose role has AmazonSSMManagedInstanceCore, also as its boundary', () => {
    const profile = resourceAt(client, String(instance.iam_instance_profile));
    const policies = resourcesOf(client, 'aws_iam_role_policy_attachment')
      .filter(([, a]) => a.role === profile.role)
      .map(([, a]) => String(a.policy_arn));
    expect(policies).toEqual([expect.stringMatching(/:iam::aws:policy\/AmazonSSMManagedInstanceCore$/)]);
    const role = resourceAt(client, String(profile.role));
    expect(role.assume_role_policy).toContain('ec2.amazonaws.com');
    // tslab's own role may write this role's inline policy only under this boundary (docs/iam/tslab-lab-policy.json).
    expect(role.permissions_boundary).toMatch(
      /^arn:\$\{data\.aws_partition\.[^}]+\}:iam::aws:policy\/AmazonSSMManagedInstanceCore$/,
    );
  });

  const parameters = resourcesOf(client, 'aws_ssm_parameter');
  const [parameterId, parameter] = parameters[0] ?? ['', {} as Json];
  const parameterArn = `\${aws_ssm_parameter.${parameterId}.arn}`;

  it("keeps the auth key in one SecureString under the lab's path, with the default key and the lab's name tag", () => {
    expect(parameters).toHaveLength(1);
    expect(parameter).toMatchObject({
      name: '/tslab/demo/client-auth-key',
      type: 'SecureString',
      value: FAKE_AUTH_KEY_EXPRESSION,
      tags: { Name: 'tslab-demo-client-auth-key' },
    });
    // aws/ssm, and no plaintext copy.
    expect(parameter.key_id).toBeUndefined();
    expect(parameter.insecure_value).toBeUndefined();
  });

  it('lets the client role read exactly that parameter and no other', () => {
    const profile = resourceAt(client, String(instance.iam_instance_profile));
    const inline = resourcesOf(client, 'aws_iam_role_policy');
    expect(inline).toHaveLength(1);
    expect(inline[0]![1].role).toBe(profile.role);
    const statements = (JSON.parse(String(inline[0]![1].policy)) as { Statement: Json[] }).Statement;
    expect(statements).toEqual([
      { Sid: 'ReadTheClientAuthKey', Effect: 'Allow', Action: 'ssm:GetParameter', Resource: parameterArn },
      {
        Sid: 'ReadNoOtherParameter',
        Effect: 'Deny',
        Action: [
          'ssm:GetParameter',
          'ssm:GetParameters',
          'ssm:GetParametersByPath',
          'ssm:GetParameterHistory',
        ],
        NotResource: parameterArn,
      },
    ]);
    // The instance boots only once the grant exists: cloud-init reads the key with it.
    expect(instance.depends_on).toContain(`aws_iam_role_policy.${inline[0]![0]}`);
  });

  it('joins with the parameter ARN: no key, key reference or other secret reaches the user data', () => {
    const userData = String(instance.user_data);
    expect(userData.startsWith('#cloud-config\n')).toBe(true);
    expect(userData).toContain(lab.workloads.nonce);
    const setup = (parse(userData) as { write_files: { path: string; content: string }[] }).write_files.find(
      (file) => file.path === SETUP_SCRIPT_PATH,
    );
    expect(setup?.content).toContain(`tailscale up --auth-key=${parameterArn} `);
    // The only interpolation left is the ARN.
    expect(userData.match(/\$\{[^}]*\}/g)).toEqual([parameterArn]);
    expect(userData).not.toContain(FAKE_AUTH_KEY_EXPRESSION);
    expect(userData).not.toMatch(/tailscale_tailnet_key|tskey-|\.value\}|var\./);
    expect(instance.user_data_replace_on_change).toBe(true);
  });

  it("writes the key's value into the parameter and into no other attribute of the stack", () => {
    const places: string[] = [];
    const walk = (value: unknown, path: string): void => {
      if (typeof value === 'string') {
        if (value.includes(FAKE_AUTH_KEY_EXPRESSION)) places.push(path);
      } else if (value && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) walk(inner, `${path}.${key}`);
      }
    };
    walk(client, 'client');
    expect(places).toEqual([`client.resource.aws_ssm_parameter.${parameterId}.value`]);
  });

  it('resolves a key handed over as a cdktf token into a Terraform reference inside the parameter only', () => {
    const keyed = synthLab(demoLab(), {
      authKey: (scope) =>
        new TerraformVariable(scope, 'tailnet_auth_key', { type: 'string', sensitive: true }).stringValue,
    });
    expect(onlyResource(keyed.client, 'aws_ssm_parameter').value).toBe('${var.tailnet_auth_key}');
    expect(String(onlyResource(keyed.client, 'aws_instance').user_data)).not.toContain('tailnet_auth_key');
  });
});
