// resource `tailscale_tailnet_key`: a pre-authentication key that registers devices without a browser login.
import type { IResolvable, TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import type { AttributeSchema } from './attributes.ts';
import { TailscaleResource } from './element.ts';

export interface TailscaleTailnetKeyArgs {
  description?: string;
  ephemeral?: boolean;
  /** Seconds; the provider defaults to 7776000 (90 days). */
  expiry?: number;
  preauthorized?: boolean;
  recreateIfInvalid?: 'always' | 'never';
  reusable?: boolean;
  tags?: string[];
  userId?: string;
}

export type TailscaleTailnetKeyConfig = TailscaleTailnetKeyArgs & TerraformMetaArguments;

export const TAILNET_KEY_SCHEMA: AttributeSchema<TailscaleTailnetKeyArgs> = {
  description: { name: 'description', kind: 'string' },
  ephemeral: { name: 'ephemeral', kind: 'boolean' },
  expiry: { name: 'expiry', kind: 'number' },
  preauthorized: { name: 'preauthorized', kind: 'boolean' },
  recreateIfInvalid: { name: 'recreate_if_invalid', kind: 'string' },
  reusable: { name: 'reusable', kind: 'boolean' },
  tags: { name: 'tags', kind: 'stringSet' },
  userId: { name: 'user_id', kind: 'string' },
};

export class TailscaleTailnetKey extends TailscaleResource<TailscaleTailnetKeyArgs> {
  static readonly resourceType = 'tailscale_tailnet_key';

  constructor(scope: Construct, id: string, config: TailscaleTailnetKeyConfig = {}) {
    super(scope, id, TailscaleTailnetKey.resourceType, config, TAILNET_KEY_SCHEMA);
  }

  /** Sensitive: the auth key itself. Only known on creation (empty after an import). */
  get key(): string {
    return this.getStringAttribute('key');
  }

  get createdAt(): string {
    return this.getStringAttribute('created_at');
  }

  get expiresAt(): string {
    return this.getStringAttribute('expires_at');
  }

  get invalid(): IResolvable {
    return this.getBooleanAttribute('invalid');
  }
}
