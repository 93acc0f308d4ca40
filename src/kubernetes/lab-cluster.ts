// What tslab needs from the lab's Kubernetes API, and nothing more: the operator's custom objects, Services, and a
// short-lived probe Job. Checks and teardown depend on the LabCluster interface; createLabCluster implements it over
// @kubernetes/client-node, and test/fakes/lab-cluster.ts in memory.
import {
  ApiException,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
} from '@kubernetes/client-node';
import { errorMessage } from '../lab/errors.ts';
import { sleep as realSleep } from '../util/retry.ts';
import {
  JOB_NAME_LABEL,
  PROBE_CONTAINER,
  describePod,
  jobPhase,
  probeExitCode,
  probeJobManifest,
  type ProbeJobSpec,
} from './probe-job.ts';
import {
  toLabService,
  toTailscaleObject,
  type LabService,
  type TailscaleKind,
  type TailscaleObject,
  TAILSCALE_GROUP,
  TAILSCALE_PLURALS,
  TAILSCALE_VERSION,
} from './resources.ts';

export type { ProbeJobSpec } from './probe-job.ts';
export type { Condition, LabService, TailscaleKind, TailscaleObject } from './resources.ts';
export { TAILSCALE_GROUP, TAILSCALE_PLURALS, TAILSCALE_VERSION } from './resources.ts';

export interface JobRun {
  namespace: string;
  name: string;
  outcome: 'succeeded' | 'failed' | 'timed-out';
  exitCode: number | undefined;
  /** The probe container's output (stdout and stderr interleaved, as the kubelet keeps them). */
  logs: string;
  /** Where the pod ended up, for messages. */
  detail: string;
}

export interface LabCluster {
  /** undefined when it does not exist (404). */
  getCustomObject(kind: TailscaleKind, name: string): Promise<TailscaleObject | undefined>;
  deleteCustomObject(kind: TailscaleKind, name: string): Promise<'deleted' | 'already-gone'>;
  getService(namespace: string, name: string): Promise<LabService | undefined>;
  listServices(namespace: string, labelSelector?: string): Promise<LabService[]>;
  /** Every namespace: the lab must expose nothing through a cloud load balancer. */
  listLoadBalancerServices(): Promise<LabService[]>;
  deleteService(namespace: string, name: string): Promise<'deleted' | 'already-gone'>;
  /** Runs a one-shot pod (netshoot by default), waits for it, returns its logs, and deletes the Job. */
  runJob(spec: ProbeJobSpec & { pollMs?: number }): Promise<JobRun>;
}

export interface LabClusterOptions {
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** A failed Kubernetes API call: what tslab tried, the HTTP status and the API's message. */
export class KubernetesApiError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
    this.name = 'KubernetesApiError';
  }
}

export function createLabCluster(kubeConfig: KubeConfig, options: LabClusterOptions = {}): LabCluster {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const wait = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const crd = (kind: TailscaleKind, name: string) => ({
    group: TAILSCALE_GROUP,
    version: TAILSCALE_VERSION,
    plural: TAILSCALE_PLURALS[kind],
    name,
  });

  const deleteJob = (namespace: string, name: string) =>
    gone(
      kube(`delete Job ${namespace}/${name}`, () =>
        batch.deleteNamespacedJob({ namespace, name, propagationPolicy: 'Background' }),
      ),
    );

  async function waitForJob(spec: ProbeJobSpec & { pollMs?: number }, name: string): Promise<JobRun> {
    const { namespace } = spec;
    const deadline = now() + spec.timeoutMs;
    let phase = jobPhase(
      await kube(`read Job ${namespace}/${name}`, () => batch.readNamespacedJob({ namespace, name })),
    );
    while (phase === 'running' && now() < deadline) {
      await wait(spec.pollMs ?? 2000);
      phase = jobPhase(
        await kube(`read Job ${namespace}/${name}`, () => batch.readNamespacedJob({ namespace, name })),
      );
    }
    const pods = await kube(`list pods of Job ${namespace}/${name}`, () =>
      core.listNamespacedPod({ namespace, labelSelector: `${JOB_NAME_LABEL}=${name}` }),
    );
    const pod = pods.items[0];
    const podName = pod?.metadata?.name;
    let logs = '';
    if (podName) {
      // A pod that never started (image pull, scheduling) has no logs; its state goes into `detail` instead.
      logs = await core
        .readNamespacedPodLog({ namespace, name: podName, container: PROBE_CONTAINER })
        .catch(() => '');
    }
    return {
      namespace,
      name,
      outcome: phase === 'running' ? 'timed-out' : phase,
      exitCode: probeExitCode(pod),
      logs,
      detail: describePod(pod),
    };
  }

  return {
    async getCustomObject(kind, name) {
      const raw: unknown = await found(
        kube(`get ${kind} ${name}`, () => custom.getClusterCustomObject(crd(kind, name))),
      );
      return raw === undefined ? undefined : toTailscaleObject(kind, raw);
    },
    deleteCustomObject: (kind, name) =>
      gone(kube(`delete ${kind} ${name}`, () => custom.deleteClusterCustomObject(crd(kind, name)))),
    async getService(namespace, name) {
      const service = await found(
        kube(`get Service ${namespace}/${name}`, () => core.readNamespacedService({ namespace, name })),
      );
      return service && toLabService(service);
    },
    async listServices(namespace, labelSelector) {
      const list = await kube(`list Services in ${namespace}`, () =>
        core.listNamespacedService({ namespace, ...(labelSelector ? { labelSelector } : {}) }),
      );
      return list.items.map(toLabService);
    },
    async listLoadBalancerServices() {
      const list = await kube('list Services in all namespaces', () => core.listServiceForAllNamespaces());
      return list.items.map(toLabService).filter((service) => service.type === 'LoadBalancer');
    },
    deleteService: (namespace, name) =>
      gone(
        kube(`delete Service ${namespace}/${name}`, () => core.deleteNamespacedService({ namespace, name })),
      ),
    async runJob(spec) {
      const { namespace } = spec;
      const created = await kube(`create Job ${spec.namePrefix}-* in ${namespace}`, () =>
        batch.createNamespacedJob({ namespace, body: probeJobManifest(spec) }),
      );
      const name = created.metadata?.name;
      if (!name) throw new Error(`Kubernetes created a Job in ${namespace} without telling its name`);
      let run: JobRun;
      try {
        run = await waitForJob(spec, name);
      } catch (error) {
        await deleteJob(namespace, name).catch(() => undefined);
        throw error;
      }
      await deleteJob(namespace, name);
      return run;
    },
  };
}

/** Runs one API call and turns its failure into a KubernetesApiError that says what was attempted. */
async function kube<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ApiException) {
      throw new KubernetesApiError(
        `Could not ${what}: HTTP ${error.code}: ${statusMessage(error.body)}`,
        error.code,
      );
    }
    // fetch says only "fetch failed"; the reason (TLS, ECONNREFUSED) is in its cause.
    const cause = error instanceof Error && error.cause !== undefined ? `: ${errorMessage(error.cause)}` : '';
    throw new KubernetesApiError(`Could not ${what}: ${errorMessage(error)}${cause}`, undefined);
  }
}

async function found<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof KubernetesApiError && error.status === 404) return undefined;
    throw error;
  }
}

async function gone(call: Promise<unknown>): Promise<'deleted' | 'already-gone'> {
  return (await found(call.then(() => true))) ? 'deleted' : 'already-gone';
}

/** The `message` of a Kubernetes Status body, which client-node hands over as text or as parsed JSON. */
function statusMessage(body: unknown): string {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.slice(0, 300) || 'no message';
    }
  }
  if (parsed && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string') {
    return parsed.message;
  }
  return 'no message';
}
