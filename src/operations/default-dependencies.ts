// The real clients of an AWS lab operation: SDK clients per region, the Tailscale API, the cluster through EKS.
// Imported only by the AWS side, so a local run never creates an AWS client.
import { createAwsClients } from '../aws/clients.ts';
import { connectToCluster } from '../aws/eks-access.ts';
import { createLabCluster } from '../kubernetes/lab-cluster.ts';
import { createTailscaleApiClient } from '../tailscale/api-client.ts';
import type { LabDependencies } from './dependencies.ts';

export function withDefaults(overrides: Partial<LabDependencies> = {}): LabDependencies {
  return {
    awsClients: createAwsClients,
    tailscaleApi: (credential, tailnet) =>
      createTailscaleApiClient({
        clientId: credential.id,
        clientSecret: credential.secret,
        ...(tailnet ? { tailnet } : {}),
      }),
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
