// The client's one-off auth key: ephemeral (the device leaves the tailnet when the instance goes), preauthorized,
// tagged for the lab's slot, single use and short-lived. The provider reads its OAuth credentials from the
// TAILSCALE_OAUTH_CLIENT_ID / _SECRET environment, so no secret is ever written into the synthesized JSON. The key's
// value reaches one attribute only: the client's SSM SecureString (infra/constructs/aws/client-auth-key-parameter.ts).
import type { DataResource, TerraformResource } from 'cdktf';
import type { Construct } from 'constructs';
import type { LabConfig } from '../../src/lab/config.ts';
import { TailscaleProvider } from '../tailscale/provider.ts';
import { TailscaleTailnetKey } from '../tailscale/tailnet-key.ts';
import type { TailnetKeySource } from './client-stack.ts';

/** One hour: cloud-init uses the key within minutes of the instance starting. */
export const CLIENT_KEY_EXPIRY_SECONDS = 3600;

export class ClientAuthKey implements TailnetKeySource {
  constructor(private readonly lab: LabConfig) {}

  authKey(scope: Construct, renewWith: DataResource): string {
    // '-' means the credentials' own tailnet, which is also the provider's default.
    new TailscaleProvider(
      scope,
      'tailscale',
      this.lab.tailnet.name === '-' ? {} : { tailnet: this.lab.tailnet.name },
    );
    const key = new TailscaleTailnetKey(scope, 'client-auth-key', {
      description: `tslab ${this.lab.id} client`,
      reusable: false,
      ephemeral: true,
      preauthorized: true,
      expiry: CLIENT_KEY_EXPIRY_SECONDS,
      tags: [this.lab.tailnet.clientTag, this.lab.tailnet.slotTag],
    });
    // The provider never recreates a spent single-use key by itself (recreate_if_invalid defaults to never for them):
    // renew it with the instance, and only then — a re-run that changes nothing keeps both.
    renewAlongWith(key, renewWith);
    return key.key;
  }
}

/**
 * lifecycle.replace_triggered_by as Terraform's JSON syntax wants it: a bare resource address. cdktf's own
 * `replaceTriggeredBy` writes an interpolation ("${…}"), which terraform rejects there ("Invalid character").
 */
export function renewAlongWith(resource: TerraformResource, trigger: TerraformResource): void {
  resource.addOverride('lifecycle.replace_triggered_by', [
    `${trigger.terraformResourceType}.${trigger.friendlyUniqueId}`,
  ]);
}
