// Typed cdktf bindings for the `tailscale/tailscale` provider (~> 0.29.2), written by hand from its v0.29.2 docs.
export { TAILSCALE_GENERATOR_METADATA, TAILSCALE_PROVIDER, TailscaleProvider } from './provider.ts';
export type { TailscaleProviderConfig } from './provider.ts';
export type { AttributeKind, AttributeSchema, AttributeSpec } from './attributes.ts';
export { ACL_SCHEMA, TailscaleAcl } from './acl.ts';
export type { TailscaleAclArgs, TailscaleAclConfig } from './acl.ts';
export { OAUTH_CLIENT_SCHEMA, TailscaleOauthClient } from './oauth-client.ts';
export type { TailscaleOauthClientArgs, TailscaleOauthClientConfig } from './oauth-client.ts';
export { FEDERATED_IDENTITY_SCHEMA, TailscaleFederatedIdentity } from './federated-identity.ts';
export type {
  TailscaleFederatedIdentityArgs,
  TailscaleFederatedIdentityConfig,
} from './federated-identity.ts';
export { TAILNET_KEY_SCHEMA, TailscaleTailnetKey } from './tailnet-key.ts';
export type { TailscaleTailnetKeyArgs, TailscaleTailnetKeyConfig } from './tailnet-key.ts';
export {
  DNS_PREFERENCES_SCHEMA,
  DNS_SPLIT_NAMESERVERS_SCHEMA,
  TailscaleDnsPreferences,
  TailscaleDnsSplitNameservers,
} from './dns.ts';
export type { TailscaleDnsPreferencesArgs, TailscaleDnsSplitNameserversArgs } from './dns.ts';
