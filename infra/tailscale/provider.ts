// The `tailscale/tailscale` provider (no prebuilt cdktf binding exists on npm), faithful to its v0.29.2 docs.
import { TerraformProvider } from 'cdktf';
import type { Construct } from 'constructs';
import { toHclAttributes, toTerraformAttributes, type AttributeSchema } from './attributes.ts';

export const TAILSCALE_PROVIDER = {
  name: 'tailscale',
  source: 'tailscale/tailscale',
  // The release the bindings and their pinned docs come from, and its later patches only: a minor release may change
  // a schema the bindings do not know (docs/design/tailscale-api.md §6).
  versionConstraint: '~> 0.29.2',
} as const;

/** Generator metadata every Tailscale element carries, so cdktf pairs it with a TailscaleProvider at synth. */
export const TAILSCALE_GENERATOR_METADATA = { providerName: TAILSCALE_PROVIDER.name } as const;

export interface TailscaleProviderConfig {
  /** Sensitive. Conflicts with the OAuth and identity-token arguments. */
  apiKey?: string;
  audience?: string;
  baseUrl?: string;
  /** Sensitive. */
  identityToken?: string;
  identityTokenEnvironmentVariableName?: string;
  oauthClientId?: string;
  /** Sensitive. */
  oauthClientSecret?: string;
  scopes?: string[];
  /** Defaults to the tailnet that owns the credentials. */
  tailnet?: string;
  userAgent?: string;
  alias?: string;
}

type ProviderArgs = Omit<TailscaleProviderConfig, 'alias'>;

const PROVIDER_SCHEMA: AttributeSchema<ProviderArgs> = {
  apiKey: { name: 'api_key', kind: 'string' },
  audience: { name: 'audience', kind: 'string' },
  baseUrl: { name: 'base_url', kind: 'string' },
  identityToken: { name: 'identity_token', kind: 'string' },
  identityTokenEnvironmentVariableName: { name: 'identity_token_environment_variable_name', kind: 'string' },
  oauthClientId: { name: 'oauth_client_id', kind: 'string' },
  oauthClientSecret: { name: 'oauth_client_secret', kind: 'string' },
  scopes: { name: 'scopes', kind: 'stringList' },
  tailnet: { name: 'tailnet', kind: 'string' },
  userAgent: { name: 'user_agent', kind: 'string' },
};

export class TailscaleProvider extends TerraformProvider {
  private readonly args: ProviderArgs;
  private providerAlias: string | undefined;

  constructor(scope: Construct, id: string, config: TailscaleProviderConfig = {}) {
    super(scope, id, {
      terraformResourceType: TAILSCALE_PROVIDER.name,
      terraformGeneratorMetadata: {
        providerName: TAILSCALE_PROVIDER.name,
        providerVersionConstraint: TAILSCALE_PROVIDER.versionConstraint,
      },
      terraformProviderSource: TAILSCALE_PROVIDER.source,
    });
    const { alias, ...args } = config;
    this.args = args;
    this.providerAlias = alias;
  }

  // TerraformProvider leaves alias to the subclass: generated providers store it the same way.
  override get alias(): string | undefined {
    return this.providerAlias;
  }

  override set alias(value: string | undefined) {
    this.providerAlias = value;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return toTerraformAttributes(this.args, PROVIDER_SCHEMA);
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return toHclAttributes(this.args, PROVIDER_SCHEMA);
  }
}
