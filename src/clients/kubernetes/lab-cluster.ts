// What tslab needs from the lab's Kubernetes API, and nothing more: the operator's custom objects, Services, a
// short-lived probe Job, and a short-lived server pod (a measurement's far end). Checks and teardown depend on the
// LabCluster interface; createLabCluster implements it over the Kubernetes REST API with @kubernetes/client-node's
// types and kubeconfig contract, and test/fakes/lab-cluster.ts in memory.
//
// No generated API class (CoreV1Api, …) is used: importing one, or KubeConfig, pulls in every generated API and
// model (their ObjectSerializer imports all of them), about 19 MB in each action bundle (README "Benchmarks"). The
// few calls tslab makes are plain JSON requests; the bodies are the client-node model types as the API sends them.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { V1Job, V1Pod, V1PodList, V1Service, V1ServiceList } from '@kubernetes/client-node';
import { errorMessage } from '../../lab/errors.ts';
import { sleep as realSleep } from '../../util/retry.ts';
import {
  JOB_NAME_LABEL,
  PROBE_CONTAINER,
  describePod,
  jobPhase,
  probeExitCode,
  probeJobManifest,
  type ProbeJobSpec,
} from './probe-job.ts';
import { SERVER_CONTAINER, serverPodManifest, serverPodPhase, type ServerPodSpec } from './server-pod.ts';
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
export type { ServerPodSpec } from './server-pod.ts';
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

/** A server pod that runs and has an address. */
export interface RunningPod {
  namespace: string;
  name: string;
  podIp: string;
  /** The node it landed on, for the report. */
  nodeName: string | undefined;
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
  /**
   * Creates a server pod and waits (at most timeoutMs) until it runs with a pod IP. A pod that ends first or is not
   * running in time is deleted before the error is thrown: nothing is left behind by a start that failed.
   */
  startServerPod(spec: ServerPodSpec & { timeoutMs: number; pollMs?: number }): Promise<RunningPod>;
  deletePod(namespace: string, name: string): Promise<'deleted' | 'already-gone'>;
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

/**
 * What createLabCluster needs of a kubeconfig: the API server and the request options that authenticate to it (TLS
 * trust, credentials). client-node's KubeConfig has both; so has the EKS connection (src/clients/aws/eks-access.ts).
 */
export interface ClusterAccess {
  getCurrentCluster(): { server: string } | null;
  applyToHTTPSOptions(opts: RequestOptions): Promise<void>;
}

export function createLabCluster(kubeConfig: ClusterAccess, options: LabClusterOptions = {}): LabCluster {
  const api = kubernetesApi(kubeConfig);
  const wait = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const crd = (kind: TailscaleKind, name: string) =>
    `/apis/${TAILSCALE_GROUP}/${TAILSCALE_VERSION}/${TAILSCALE_PLURALS[kind]}/${encodeURIComponent(name)}`;
  const services = (namespace: string) => `/api/v1/namespaces/${encodeURIComponent(namespace)}/services`;
  const jobs = (namespace: string) => `/apis/batch/v1/namespaces/${encodeURIComponent(namespace)}/jobs`;
  const job = (namespace: string, name: string) => `${jobs(namespace)}/${encodeURIComponent(name)}`;
  const pods = (namespace: string) => `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
  const podPath = (namespace: string, name: string) => `${pods(namespace)}/${encodeURIComponent(name)}`;
  const deletePod = (namespace: string, name: string) =>
    gone(api(`delete pod ${namespace}/${name}`, 'DELETE', podPath(namespace, name)));
  const readJob = (namespace: string, name: string) =>
    api<V1Job>(`read Job ${namespace}/${name}`, 'GET', job(namespace, name));

  const deleteJob = (namespace: string, name: string) =>
    gone(
      api(`delete Job ${namespace}/${name}`, 'DELETE', job(namespace, name), {
        query: { propagationPolicy: 'Background' },
      }),
    );

  async function waitForJob(spec: ProbeJobSpec & { pollMs?: number }, name: string): Promise<JobRun> {
    const { namespace } = spec;
    const deadline = now() + spec.timeoutMs;
    let phase = jobPhase(await readJob(namespace, name));
    while (phase === 'running' && now() < deadline) {
      await wait(spec.pollMs ?? 2000);
      phase = jobPhase(await readJob(namespace, name));
    }
    const jobPods = await api<V1PodList>(`list pods of Job ${namespace}/${name}`, 'GET', pods(namespace), {
      query: { labelSelector: `${JOB_NAME_LABEL}=${name}` },
    });
    const pod = jobPods.items[0];
    const podName = pod?.metadata?.name;
    let logs = '';
    if (podName) {
      // A pod that never started (image pull, scheduling) has no logs; its state goes into `detail` instead.
      logs = await api<string>(
        `read the log of pod ${namespace}/${podName}`,
        'GET',
        `${podPath(namespace, podName)}/log`,
        { query: { container: PROBE_CONTAINER }, text: true },
      ).catch(() => '');
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
      const raw: unknown = await found(api<unknown>(`get ${kind} ${name}`, 'GET', crd(kind, name)));
      return raw === undefined ? undefined : toTailscaleObject(kind, raw);
    },
    deleteCustomObject: (kind, name) => gone(api(`delete ${kind} ${name}`, 'DELETE', crd(kind, name))),
    async getService(namespace, name) {
      const service = await found(
        api<V1Service>(
          `get Service ${namespace}/${name}`,
          'GET',
          `${services(namespace)}/${encodeURIComponent(name)}`,
        ),
      );
      return service && toLabService(service);
    },
    async listServices(namespace, labelSelector) {
      const list = await api<V1ServiceList>(
        `list Services in ${namespace}`,
        'GET',
        services(namespace),
        labelSelector ? { query: { labelSelector } } : {},
      );
      return list.items.map(toLabService);
    },
    async listLoadBalancerServices() {
      const list = await api<V1ServiceList>('list Services in all namespaces', 'GET', '/api/v1/services');
      return list.items.map(toLabService).filter((service) => service.type === 'LoadBalancer');
    },
    deleteService: (namespace, name) =>
      gone(
        api(
          `delete Service ${namespace}/${name}`,
          'DELETE',
          `${services(namespace)}/${encodeURIComponent(name)}`,
        ),
      ),
    async runJob(spec) {
      const { namespace } = spec;
      const created = await api<V1Job>(
        `create Job ${spec.namePrefix}-* in ${namespace}`,
        'POST',
        jobs(namespace),
        {
          body: probeJobManifest(spec),
        },
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
    async startServerPod(spec) {
      const { namespace } = spec;
      const created = await api<V1Pod>(
        `create pod ${spec.namePrefix}-* in ${namespace}`,
        'POST',
        pods(namespace),
        { body: serverPodManifest(spec) },
      );
      const name = created.metadata?.name;
      if (!name) throw new Error(`Kubernetes created a pod in ${namespace} without telling its name`);
      try {
        const deadline = now() + spec.timeoutMs;
        let pod = created;
        while (serverPodPhase(pod) === 'pending' && now() < deadline) {
          await wait(spec.pollMs ?? 1000);
          pod = await api<V1Pod>(`read pod ${namespace}/${name}`, 'GET', podPath(namespace, name));
        }
        const phase = serverPodPhase(pod);
        if (phase !== 'running') {
          throw new Error(
            `server ${describePod(pod, SERVER_CONTAINER)} ${phase === 'ended' ? 'ended before it served' : `was not running within ${Math.round(spec.timeoutMs / 1000)}s`}`,
          );
        }
        return { namespace, name, podIp: pod.status!.podIP!, nodeName: pod.spec?.nodeName };
      } catch (error) {
        await deletePod(namespace, name).catch(() => undefined);
        throw error;
      }
    },
    deletePod,
  };
}

interface ApiRequest {
  query?: Record<string, string>;
  body?: unknown;
  /** The answer is text (a pod's log), not JSON. */
  text?: boolean;
}

/**
 * One Kubernetes API call, authenticated as the kubeconfig says (TLS trust, bearer token), its failure a
 * KubernetesApiError that says what was attempted, with the HTTP status and the API's message.
 */
function kubernetesApi(access: ClusterAccess) {
  return async function api<T = unknown>(
    what: string,
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    request: ApiRequest = {},
  ): Promise<T> {
    const server = access.getCurrentCluster()?.server;
    if (!server)
      throw new KubernetesApiError(`Could not ${what}: the kubeconfig names no cluster`, undefined);
    const url = new URL(server.replace(/\/+$/, '') + path);
    for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, value);
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const opts: RequestOptions = {
      method,
      headers: {
        Accept: request.text ? '*/*' : 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
    };
    let response: { status: number; text: string };
    try {
      await access.applyToHTTPSOptions(opts);
      response = await send(url, opts, body);
    } catch (error) {
      // The reason of a failed connection (TLS, ECONNREFUSED) may sit in the error's cause.
      const cause =
        error instanceof Error && error.cause !== undefined ? `: ${errorMessage(error.cause)}` : '';
      throw new KubernetesApiError(`Could not ${what}: ${errorMessage(error)}${cause}`, undefined);
    }
    if (response.status < 200 || response.status > 299) {
      throw new KubernetesApiError(
        `Could not ${what}: HTTP ${response.status}: ${statusMessage(response.text)}`,
        response.status,
      );
    }
    if (request.text) return response.text as T;
    try {
      return JSON.parse(response.text) as T;
    } catch {
      throw new KubernetesApiError(
        `Could not ${what}: the API answered HTTP ${response.status} with a body that is not JSON`,
        response.status,
      );
    }
  };
}

function send(
  url: URL,
  opts: RequestOptions,
  body: string | undefined,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'http:' ? httpRequest : httpsRequest)(
      url,
      opts,
      (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
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
