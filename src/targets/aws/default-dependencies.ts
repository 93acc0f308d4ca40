// The real clients of an AWS lab operation: SDK clients per region, the Tailscale API, the cluster through EKS.
// Imported only by the AWS side, so a local run never creates an AWS client.
import { createAwsClients } from '../../clients/aws/clients.ts';
import { connectToCluster } from '../../clients/aws/eks-access.ts';
import { createLabCluster } from '../../clients/kubernetes/lab-cluster.ts';
import {
  createTailscaleApiClient,
  type TailscaleApi,
  type TailscaleApiOptions,
} from '../../clients/tailscale/api-client.ts';
import {
  identityTokenFromEnvironment,
  type IdentityTokenSource,
} from '../../clients/tailscale/identity-token.ts';
import { isFederated, type TailscaleCredential } from '../credentials.ts';
import type { LabDependencies } from '../dependencies.ts';

export type TailscaleApiSettings = Omit<TailscaleApiOptions, 'clientId' | 'clientSecret' | 'federated'> & {
  /** A federated identity's OIDC token; by default TAILSCALE_IDENTITY_TOKEN or the job's GitHub token. */
  identityToken?: IdentityTokenSource;
};

/** The API client for the CI credential, whichever kind it is. */
export function tailscaleApiFor(
  credential: TailscaleCredential,
  { identityToken, ...settings }: TailscaleApiSettings = {},
): TailscaleApi {
  return createTailscaleApiClient({
    ...settings,
    clientId: credential.id,
    ...(isFederated(credential)
      ? {
          federated: {
            audience: credential.audience,
            identityToken: identityToken ?? identityTokenFromEnvironment(),
          },
        }
      : { clientSecret: credential.secret }),
  });
}

export function withDefaults(overrides: Partial<LabDependencies> = {}): LabDependencies {
  return {
    awsClients: createAwsClients,
    tailscaleApi: (credential, tailnet) => tailscaleApiFor(credential, tailnet ? { tailnet } : {}),
    connectCluster: async (lab, aws) =>
      createLabCluster(
        await connectToCluster({
          clusterName: lab.cluster.name,
          region: lab.region,
          eks: aws.eks,
          credentials: () => aws.eks.config.credentials(),
        }),
      ),
    ...overrides,
  };
}
