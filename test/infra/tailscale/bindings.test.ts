import { App, TerraformOutput, TerraformStack, Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import type { AttributeSchema } from '../../../infra/tailscale/attributes.ts';
import {
  ACL_SCHEMA,
  DNS_PREFERENCES_SCHEMA,
  DNS_SPLIT_NAMESERVERS_SCHEMA,
  FEDERATED_IDENTITY_SCHEMA,
  OAUTH_CLIENT_SCHEMA,
  TAILNET_KEY_SCHEMA,
  TailscaleAcl,
  TailscaleDnsPreferences,
  TailscaleDnsSplitNameservers,
  TailscaleFederatedIdentity,
  TailscaleOauthClient,
  TailscaleProvider,
  TailscaleTailnetKey,
} from '../../../infra/tailscale/index.ts';
import { documentedAttributes } from './provider-docs.ts';
import { testApp } from '../../support/cdktf-app.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const camelCase = (name: string): string => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function synthJson(build: (stack: TerraformStack) => void): Json {
  const app: App = testApp();
  const stack = new TerraformStack(app, 'bindings');
  new TailscaleProvider(stack, 'tailscale');
  build(stack);
  return JSON.parse(Testing.synth(stack)) as Json;
}

const BINDINGS: {
  page: string;
  schema: AttributeSchema<object>;
  type: string;
  create: (stack: TerraformStack) => object;
}[] = [
  {
    page: 'resources/acl.md',
    schema: ACL_SCHEMA,
    type: 'tailscale_acl',
    create: (s) => new TailscaleAcl(s, 'x', { acl: '{}' }),
  },
  {
    page: 'resources/oauth_client.md',
    schema: OAUTH_CLIENT_SCHEMA,
    type: 'tailscale_oauth_client',
    create: (s) => new TailscaleOauthClient(s, 'x', { scopes: ['dns'] }),
  },
  {
    page: 'resources/federated_identity.md',
    schema: FEDERATED_IDENTITY_SCHEMA,
    type: 'tailscale_federated_identity',
    create: (s) =>
      new TailscaleFederatedIdentity(s, 'x', {
        issuer: 'https://issuer.example',
        subject: '*',
        scopes: ['dns'],
      }),
  },
  {
    page: 'resources/tailnet_key.md',
    schema: TAILNET_KEY_SCHEMA,
    type: 'tailscale_tailnet_key',
    create: (s) => new TailscaleTailnetKey(s, 'x'),
  },
  {
    page: 'resources/dns_split_nameservers.md',
    schema: DNS_SPLIT_NAMESERVERS_SCHEMA,
    type: 'tailscale_dns_split_nameservers',
    create: (s) =>
      new TailscaleDnsSplitNameservers(s, 'x', { domain: 'a.example', nameservers: ['10.0.0.10'] }),
  },
  {
    page: 'resources/dns_preferences.md',
    schema: DNS_PREFERENCES_SCHEMA,
    type: 'tailscale_dns_preferences',
    create: (s) => new TailscaleDnsPreferences(s, 'x', { magicDns: true }),
  },
];

describe('Tailscale bindings', () => {
  describe.each(BINDINGS)('$type', ({ page, schema, type, create }) => {
    const documented = documentedAttributes(page);

    it('binds exactly the documented arguments, with their names, types and required flags', () => {
      const bound = Object.values(schema).map((spec) => ({
        name: spec.name,
        kind: spec.kind,
        section: spec.required ? 'Required' : 'Optional',
      }));
      const arguments_ = documented
        .filter((a) => a.section !== 'Read-Only')
        .map(({ name, kind, section }) => ({ name, kind, section }));
      const byName = (a: { name: string }, b: { name: string }): number => a.name.localeCompare(b.name);
      expect(bound.sort(byName)).toEqual(arguments_.sort(byName));
    });

    it('exposes every documented read-only attribute as a getter referencing it', () => {
      const readOnly = documented.filter((a) => a.section === 'Read-Only');
      expect(readOnly.length).toBeGreaterThan(0);
      const json = synthJson((stack) => {
        const element = create(stack) as Record<string, unknown>;
        for (const { name } of readOnly) {
          new TerraformOutput(stack, `out_${name}`, { value: element[camelCase(name)] });
        }
      });
      for (const { name } of readOnly) {
        expect(json.output[`out_${name}`].value, name).toBe(`\${${type}.x.${name}}`);
      }
    });
  });

  it('synthesizes snake_case arguments and leaves unset ones to the provider defaults', () => {
    const json = synthJson((stack) => {
      new TailscaleTailnetKey(stack, 'key', { reusable: true, recreateIfInvalid: 'never', tags: ['tag:a'] });
      new TailscaleAcl(stack, 'policy', { acl: '{"grants":[]}', overwriteExistingContent: true });
    });
    expect(json.resource.tailscale_tailnet_key.key).toEqual({
      reusable: true,
      recreate_if_invalid: 'never',
      tags: ['tag:a'],
    });
    expect(json.resource.tailscale_acl.policy).toEqual({
      acl: '{"grants":[]}',
      overwrite_existing_content: true,
    });
  });

  it('renders the same arguments in HCL', () => {
    const app = testApp();
    const stack = new TerraformStack(app, 'hcl');
    new TailscaleProvider(stack, 'tailscale', { tailnet: 'example.com' });
    new TailscaleOauthClient(stack, 'ci', { scopes: ['dns'], tags: ['tag:ci'], description: 'tslab-ci' });
    const hcl = String(Testing.synthHcl(stack)).replace(/\s+/g, ' ');
    expect(hcl).toContain('resource "tailscale_oauth_client" "ci" {');
    expect(hcl).toContain('scopes = [ "dns" ]');
    expect(hcl).toContain('tags = [ "tag:ci" ]');
    expect(hcl).toContain('description = "tslab-ci"');
    expect(hcl).toContain('provider "tailscale" { tailnet = "example.com" }');
  });

  it('requires tailscale/tailscale ~> 0.29.2 and configures the provider with its documented argument names', () => {
    const app = testApp();
    const stack = new TerraformStack(app, 'provider');
    new TailscaleProvider(stack, 'tailscale', {
      oauthClientId: 'id',
      oauthClientSecret: 'secret',
      scopes: ['dns'],
      tailnet: 'example.com',
      baseUrl: 'https://api.tailscale.com',
      alias: 'admin',
    });
    const json = JSON.parse(Testing.synth(stack)) as Json;
    expect(json.terraform.required_providers.tailscale).toEqual({
      source: 'tailscale/tailscale',
      version: '~> 0.29.2',
    });
    expect(json.provider.tailscale).toEqual([
      {
        alias: 'admin',
        base_url: 'https://api.tailscale.com',
        oauth_client_id: 'id',
        oauth_client_secret: 'secret',
        scopes: ['dns'],
        tailnet: 'example.com',
      },
    ]);
    const documented = documentedAttributes('index.md').map((a) => a.name);
    for (const name of Object.keys(json.provider.tailscale[0] as Json).filter((k) => k !== 'alias')) {
      expect(documented, name).toContain(name);
    }
  });

  it('passes Terraform meta-arguments through: provider alias and depends_on', () => {
    const json = synthJson((stack) => {
      const admin = new TailscaleProvider(stack, 'admin', { alias: 'admin' });
      const acl = new TailscaleAcl(stack, 'policy', { acl: '{}', provider: admin });
      new TailscaleOauthClient(stack, 'ci', { scopes: ['dns'], dependsOn: [acl], provider: admin });
    });
    expect(json.resource.tailscale_oauth_client.ci).toMatchObject({
      provider: 'tailscale.admin',
      depends_on: ['tailscale_acl.policy'],
    });
  });

  it('rejects an argument the provider does not have, and a missing required one', () => {
    const app = testApp();
    const stack = new TerraformStack(app, 'invalid');
    const unknown = { acl: '{}', overwrite: true } as unknown as ConstructorParameters<
      typeof TailscaleAcl
    >[2];
    expect(() => new TailscaleAcl(stack, 'a', unknown)).toThrow("'overwrite' is neither an argument");
    const missing = {} as ConstructorParameters<typeof TailscaleOauthClient>[2];
    expect(() => new TailscaleOauthClient(stack, 'b', missing)).toThrow("'scopes' (scopes) is required");
  });

  it('passes cdktf validation only with a TailscaleProvider in the stack', () => {
    const stackWith = (provider: boolean): TerraformStack => {
      const stack = new TerraformStack(testApp(), 'validated');
      if (provider) new TailscaleProvider(stack, 'tailscale');
      new TailscaleDnsPreferences(stack, 'p', { magicDns: true });
      return stack;
    };
    expect(() => Testing.synth(stackWith(true), true)).not.toThrow();
    expect(() => Testing.synth(stackWith(false), true)).toThrow(
      /without a matching provider construct.*tailscale/s,
    );
  });
});
