// resources `tailscale_dns_split_nameservers`, `tailscale_dns_preferences` and `tailscale_dns_search_paths`.
import type { TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import type { AttributeSchema } from './attributes.ts';
import { TailscaleResource } from './element.ts';

export interface TailscaleDnsSplitNameserversArgs {
  /** Changing it replaces the resource. */
  domain: string;
  /** IPv4 or IPv6 addresses. */
  nameservers: string[];
}

export const DNS_SPLIT_NAMESERVERS_SCHEMA: AttributeSchema<TailscaleDnsSplitNameserversArgs> = {
  domain: { name: 'domain', kind: 'string', required: true },
  nameservers: { name: 'nameservers', kind: 'stringSet', required: true },
};

/** Split DNS for one domain; several of these (one per lab) coexist on a tailnet. */
export class TailscaleDnsSplitNameservers extends TailscaleResource<TailscaleDnsSplitNameserversArgs> {
  static readonly resourceType = 'tailscale_dns_split_nameservers';

  constructor(
    scope: Construct,
    id: string,
    config: TailscaleDnsSplitNameserversArgs & TerraformMetaArguments,
  ) {
    super(scope, id, TailscaleDnsSplitNameservers.resourceType, config, DNS_SPLIT_NAMESERVERS_SCHEMA);
  }
}

export interface TailscaleDnsPreferencesArgs {
  magicDns: boolean;
}

export const DNS_PREFERENCES_SCHEMA: AttributeSchema<TailscaleDnsPreferencesArgs> = {
  magicDns: { name: 'magic_dns', kind: 'boolean', required: true },
};

/** Tailnet-wide: only one per tailnet. */
export class TailscaleDnsPreferences extends TailscaleResource<TailscaleDnsPreferencesArgs> {
  static readonly resourceType = 'tailscale_dns_preferences';

  constructor(scope: Construct, id: string, config: TailscaleDnsPreferencesArgs & TerraformMetaArguments) {
    super(scope, id, TailscaleDnsPreferences.resourceType, config, DNS_PREFERENCES_SCHEMA);
  }
}
