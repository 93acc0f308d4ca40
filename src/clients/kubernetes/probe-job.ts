// The short-lived netshoot Job tslab runs inside the cluster to look at the lab from a pod's point of view, and the
// pure rules that read its outcome. The API calls live in lab-cluster.ts.
import type { V1Job, V1Pod } from '@kubernetes/client-node';

export const NETSHOOT_IMAGE = 'nicolaka/netshoot';
export const PROBE_CONTAINER = 'probe';
/** Set by the Job controller on every pod it creates (Kubernetes ≥ 1.27; EKS supports nothing older). */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';

export interface ProbeJobSpec {
  namespace: string;
  /** The server appends a random suffix, so reruns never collide with a Job still being deleted. */
  namePrefix: string;
  command: readonly string[];
  image?: string;
  timeoutMs: number;
  labels?: Readonly<Record<string, string>>;
}

export function probeJobManifest(spec: ProbeJobSpec): V1Job {
  const labels = { 'app.kubernetes.io/managed-by': 'tslab', ...spec.labels };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { generateName: `${spec.namePrefix}-`, namespace: spec.namespace, labels },
    spec: {
      // One try: a probe that fails must report its failure, not be re-run until it passes.
      backoffLimit: 0,
      // The cluster stops the pod even if tslab dies mid-wait...
      activeDeadlineSeconds: Math.max(1, Math.ceil(spec.timeoutMs / 1000)),
      // ...and removes the Job if tslab never gets to delete it.
      ttlSecondsAfterFinished: 600,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          containers: [
            { name: PROBE_CONTAINER, image: spec.image ?? NETSHOOT_IMAGE, command: [...spec.command] },
          ],
        },
      },
    },
  };
}

export type JobPhase = 'running' | 'succeeded' | 'failed';

export function jobPhase(job: V1Job): JobPhase {
  const status = job.status;
  const conditionTrue = (type: string) =>
    status?.conditions?.some((c) => c.type === type && c.status === 'True');
  if (conditionTrue('Complete') || (status?.succeeded ?? 0) > 0) return 'succeeded';
  if (conditionTrue('Failed') || (status?.failed ?? 0) > 0) return 'failed';
  return 'running';
}

/** The probe container's exit code, once it has terminated. */
export function probeExitCode(pod: V1Pod | undefined): number | undefined {
  const container = pod?.status?.containerStatuses?.find((c) => c.name === PROBE_CONTAINER);
  return container?.state?.terminated?.exitCode;
}

/** One line on why the pod is where it is (ErrImagePull, Pending, DeadlineExceeded…), for timeouts and failures. */
export function describePod(pod: V1Pod | undefined, containerName = PROBE_CONTAINER): string {
  if (!pod) return 'no pod created yet';
  const container = pod.status?.containerStatuses?.find((c) => c.name === containerName);
  const state = container?.state;
  const why =
    state?.waiting?.reason ??
    (state?.terminated
      ? `${state.terminated.reason ?? 'terminated'} (exit ${state.terminated.exitCode})`
      : undefined) ??
    pod.status?.reason;
  return `pod ${pod.metadata?.name ?? '?'}: ${pod.status?.phase ?? 'Unknown'}${why ? ` (${why})` : ''}`;
}
