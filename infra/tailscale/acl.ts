// resource `tailscale_acl`: the tailnet's whole policy file (despite the name, not only its ACL section).
import type { TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import type { AttributeSchema } from './attributes.ts';
import { TailscaleResource } from './element.ts';

export interface TailscaleAclArgs {
  /** The policy file, as a JSON or HuJSON string. */
  acl: string;
  /** Skip the import-first guard and overwrite whatever policy the tailnet has. */
  overwriteExistingContent?: boolean;
  /** Reset the policy file to Tailscale's default when the resource is destroyed. */
  resetAclOnDestroy?: boolean;
}

export type TailscaleAclConfig = TailscaleAclArgs & TerraformMetaArguments;

export const ACL_SCHEMA: AttributeSchema<TailscaleAclArgs> = {
  acl: { name: 'acl', kind: 'string', required: true },
  overwriteExistingContent: { name: 'overwrite_existing_content', kind: 'boolean' },
  resetAclOnDestroy: { name: 'reset_acl_on_destroy', kind: 'boolean' },
};

export class TailscaleAcl extends TailscaleResource<TailscaleAclArgs> {
  static readonly resourceType = 'tailscale_acl';

  constructor(scope: Construct, id: string, config: TailscaleAclConfig) {
    super(scope, id, TailscaleAcl.resourceType, config, ACL_SCHEMA);
  }
}
