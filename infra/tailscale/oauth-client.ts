// resource `tailscale_oauth_client`: an OAuth client (trust credential) for the Tailscale API.
import type { TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import type { AttributeSchema } from './attributes.ts';
import { TailscaleResource } from './element.ts';

export interface TailscaleOauthClientArgs {
  /** Scopes granted to the client, e.g. `devices:core`, `auth_keys`, `dns`. */
  scopes: string[];
  /** Alphanumeric description (hyphens allowed). */
  description?: string;
  /** Tags the client's tokens may assign; mandatory when the scopes include `devices:core` or `auth_keys`. */
  tags?: string[];
}

export type TailscaleOauthClientConfig = TailscaleOauthClientArgs & TerraformMetaArguments;

export const OAUTH_CLIENT_SCHEMA: AttributeSchema<TailscaleOauthClientArgs> = {
  scopes: { name: 'scopes', kind: 'stringSet', required: true },
  description: { name: 'description', kind: 'string' },
  tags: { name: 'tags', kind: 'stringSet' },
};

export class TailscaleOauthClient extends TailscaleResource<TailscaleOauthClientArgs> {
  static readonly resourceType = 'tailscale_oauth_client';

  constructor(scope: Construct, id: string, config: TailscaleOauthClientConfig) {
    super(scope, id, TailscaleOauthClient.resourceType, config, OAUTH_CLIENT_SCHEMA);
  }

  /** Sensitive: the client secret. Only known on creation (empty after an import). */
  get key(): string {
    return this.getStringAttribute('key');
  }

  get createdAt(): string {
    return this.getStringAttribute('created_at');
  }

  get updatedAt(): string {
    return this.getStringAttribute('updated_at');
  }

  get userId(): string {
    return this.getStringAttribute('user_id');
  }
}
