// A short-lived server pod: the far end of a measurement inside the cluster (iperf3's server in netshoot). Unlike a
// probe Job it runs until it is deleted, so the cluster bounds it instead: activeDeadlineSeconds ends it even if tslab
// never comes back to delete it. The API calls live in lab-cluster.ts.
import type { V1Pod } from '@kubernetes/client-node';
import { NETSHOOT_IMAGE } from './probe-job.ts';
import { checkServerBounds } from '../../lab/measurement.ts';

export const SERVER_CONTAINER = 'server';

export interface ServerPodSpec {
  namespace: string;
  /** The server appends a random suffix: two measurements never collide. */
  namePrefix: string;
  command: readonly string[];
  image?: string;
  /** The port the server listens on (declared on the container, for whoever reads the pod). */
  port: number;
  /** The kubelet stops the pod this long after it started, whatever tslab does. */
  maxSeconds: number;
  labels?: Readonly<Record<string, string>>;
}

export function serverPodManifest(spec: ServerPodSpec): V1Pod {
  const maxSeconds = checkServerBounds(spec);
  const labels = { 'app.kubernetes.io/managed-by': 'tslab', ...spec.labels };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: `${spec.namePrefix}-`, namespace: spec.namespace, labels },
    spec: {
      // Never restarted: a server that dies ends the measurement, it does not come back under another's feet.
      restartPolicy: 'Never',
      activeDeadlineSeconds: maxSeconds,
      // Deleting it should not wait the default 30 s: the server holds nothing worth a graceful stop.
      terminationGracePeriodSeconds: 2,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      containers: [
        {
          name: SERVER_CONTAINER,
          image: spec.image ?? NETSHOOT_IMAGE,
          command: [...spec.command],
          ports: [{ containerPort: spec.port, protocol: 'TCP' }],
        },
      ],
    },
  };
}

export type ServerPodPhase = 'pending' | 'running' | 'ended';

/** Running with an address is what a client needs; Succeeded or Failed will never serve again. */
export function serverPodPhase(pod: V1Pod): ServerPodPhase {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return 'ended';
  if (phase === 'Running' && pod.status?.podIP) return 'running';
  return 'pending';
}
