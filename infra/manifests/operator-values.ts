// Values for the tailscale-operator Helm chart. By default the operator authenticates with the lab's own federated
// identity: `oauth.audience` makes the chart mount a ServiceAccount token with that audience and create no Secret
// (docs/design/workload-identity.md §4). With operator-auth oauth the shared client's secret is deliberately absent
// here: the stack passes it through helm_release set_sensitive, never in a values string, the plan or the values.
import type { LabConfig } from '../../src/lab/config.ts';

export const OPERATOR_CHART = {
  repository: 'https://pkgs.tailscale.com/helmcharts',
  chart: 'tailscale-operator',
  version: '1.102.3',
  releaseName: 'tailscale-operator',
  namespace: 'tailscale',
} as const;

/** Scopes of the operator's credential, as Tailscale's operator install guide requires. */
export const OPERATOR_SCOPES = ['devices:core', 'auth_keys', 'services'] as const;

/** The values path set_sensitive fills with the operator's OAuth client secret. */
export const OPERATOR_CLIENT_SECRET_PATH = 'oauth.clientSecret';

/** The operator's credential: a federated identity (client id + audience) or an OAuth client id (secret elsewhere). */
export type OperatorCredential = { clientId: string; audience: string } | { clientId: string };

export interface OperatorHelmValues {
  oauth: OperatorCredential;
  installCRDs: boolean;
  operatorConfig: { hostname: string; defaultTags: string[] };
  proxyConfig: { defaultTags: string };
  apiServerProxyConfig: { mode: 'true' | 'false' | 'noauth' };
}

/** @param oauth client id (and audience) of the operator's credential: not secrets; may be Terraform expressions. */
export function operatorHelmValues(lab: LabConfig, oauth: OperatorCredential): OperatorHelmValues {
  return {
    oauth: { ...oauth },
    // The lab chart's Connector and ProxyGroup need these CRDs; they come with this release.
    installCRDs: true,
    operatorConfig: { hostname: lab.tailnet.operatorHostname, defaultTags: [lab.tailnet.operatorTag] },
    // A comma-separated string, not a list (the chart passes it on as PROXY_TAGS). The slot tag gives single egress
    // proxies the same reach as the lab's other devices, and no more.
    proxyConfig: { defaultTags: [lab.tailnet.proxyTag, lab.tailnet.slotTag].join(',') },
    // The lab reaches the API server through the client's subnet route, not the operator's API proxy.
    apiServerProxyConfig: { mode: 'false' },
  };
}
