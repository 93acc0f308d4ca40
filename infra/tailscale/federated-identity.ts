// resource `tailscale_federated_identity`: a trust credential with no secret. A workload presents a JWT from the
// issuer; claims that match subject, audience and the custom rules get an API token with these scopes and tags
// (docs/design/workload-identity.md §1, §3).
import type { TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import type { AttributeSchema } from './attributes.ts';
import { TailscaleResource } from './element.ts';

export interface TailscaleFederatedIdentityArgs {
  /** Public https URL of the OIDC issuer whose tokens are trusted. */
  issuer: string;
  /** Pattern for the token's `sub` claim (`*` matches anything). */
  subject: string;
  scopes: string[];
  /** Expected `aud` claim; Tailscale generates one when unset (read it back from `audience`). */
  audience?: string;
  /** Claim name → pattern, for claims beyond sub/iss/aud. */
  customClaimRules?: Record<string, string>;
  description?: string;
  /** Tags its tokens may assign; mandatory with `devices:core` or `auth_keys`. */
  tags?: string[];
}

export type TailscaleFederatedIdentityConfig = TailscaleFederatedIdentityArgs & TerraformMetaArguments;

export const FEDERATED_IDENTITY_SCHEMA: AttributeSchema<TailscaleFederatedIdentityArgs> = {
  issuer: { name: 'issuer', kind: 'string', required: true },
  subject: { name: 'subject', kind: 'string', required: true },
  scopes: { name: 'scopes', kind: 'stringSet', required: true },
  audience: { name: 'audience', kind: 'string' },
  customClaimRules: { name: 'custom_claim_rules', kind: 'stringMap' },
  description: { name: 'description', kind: 'string' },
  tags: { name: 'tags', kind: 'stringSet' },
};

export class TailscaleFederatedIdentity extends TailscaleResource<TailscaleFederatedIdentityArgs> {
  static readonly resourceType = 'tailscale_federated_identity';

  constructor(scope: Construct, id: string, config: TailscaleFederatedIdentityConfig) {
    super(scope, id, TailscaleFederatedIdentity.resourceType, config, FEDERATED_IDENTITY_SCHEMA);
  }

  /** The client ID a workload presents with its token (not a secret). */
  get clientId(): string {
    return this.getStringAttribute('id');
  }

  /** The `aud` the workload's token must carry: the one given, or the one Tailscale generated. */
  get audienceValue(): string {
    return this.getStringAttribute('audience');
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
