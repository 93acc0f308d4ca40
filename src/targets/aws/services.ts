// What the AWS wing reaches the world through besides the lab's home: the AWS clients of the lab's region, the
// Tailscale API, the lab's cluster, and the waits tests shorten.
import type { AwsClients } from '../../clients/aws/clients.ts';
import type { LabCluster } from '../../clients/kubernetes/lab-cluster.ts';
import type { TailscaleApi } from '../../clients/tailscale/api-client.ts';
import type { LabConfig } from '../../lab/config.ts';

export interface AwsServices {
  aws: AwsClients;
  tailscale: TailscaleApi;
  /** The lab's cluster API (through EKS, over the tailnet; a fake in tests). */
  connectCluster: (lab: LabConfig) => Promise<LabCluster>;
  /** Injected by tests: every wait of the wing sleeps through this. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** How long provision waits for the client router (default 10 minutes). */
  routerWaitMs?: number | undefined;
  /** How long teardown waits for the operator to remove its devices (default 2 minutes). */
  operatorCleanupWaitMs?: number | undefined;
  /** 1 applies and destroys one stack at a time (the old schedule, for comparison); default: the graph. */
  concurrency?: number | undefined;
}
