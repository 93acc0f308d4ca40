// Values for the tailscale-operator Helm chart. The OAuth client secret is deliberately absent: the stack passes it
// through helm_release set_sensitive so it never appears in a values string, the plan or the release's values.
import type { LabConfig } from '../../src/lab/config.ts';

export const OPERATOR_CHART = {
  repository: 'https://pkgs.tailscale.com/helmcharts',
  chart: 'tailscale-operator',
  version: '1.102.3',
  releaseName: 'tailscale-operator',
  namespace: 'tailscale',
} as const;

/** The values path set_sensitive fills with the operator's OAuth client secret. */
export const OPERATOR_CLIENT_SECRET_PATH = 'oauth.clientSecret';

export interface OperatorHelmValues {
  oauth: { clientId: string };
  installCRDs: boolean;
  operatorConfig: { hostname: string; defaultTags: string[] };
  proxyConfig: { defaultTags: string };
  apiServerProxyConfig: { mode: 'true' | 'false' | 'noauth' };
}

/** @param oauth.clientId the operator's OAuth client id (not a secret; may be a Terraform expression). */
export function operatorHelmValues(lab: LabConfig, oauth: { clientId: string }): OperatorHelmValues {
  return {
    oauth: { clientId: oauth.clientId },
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
