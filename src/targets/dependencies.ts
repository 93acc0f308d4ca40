// The clients an AWS lab operation reaches the world through. The defaults (withDefaults in
// targets/aws/default-dependencies.ts) are the real SDK clients and the Tailscale API; terraform comes from the lab's
// home unless a test hands one here. Tests pass fakes here rather than mocking modules.
import type { AwsClients } from '../clients/aws/clients.ts';
import type { TerraformRunner } from '../engine/terraform.ts';
import type { LabCluster } from '../clients/kubernetes/lab-cluster.ts';
import type { LabConfig } from '../lab/config.ts';
import type { TailscaleApi } from '../clients/tailscale/api-client.ts';
import type { TailscaleCredential } from './credentials.ts';

export interface LabDependencies {
  awsClients: (region: string, stateRegion: string) => AwsClients;
  /** The CI credential's API client: an OAuth client, or a federated identity exchanging its OIDC token. */
  tailscaleApi: (credential: TailscaleCredential, tailnet?: string) => TailscaleApi;
  /** The engine for every stack; by default the lab's terraform or tofu binary with the operation's environment. */
  terraform?: TerraformRunner;
  /** The lab's cluster API; by default through EKS with the runner's credentials (over the tailnet). */
  connectCluster: (lab: LabConfig, aws: AwsClients) => Promise<LabCluster>;
}
