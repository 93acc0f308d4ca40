// A loopback HTTP server that answers the Kubernetes REST paths LabCluster uses, with the API's shapes (objects,
// lists, Status bodies on errors). It proves URL building and response parsing of createLabCluster without a cluster.
// Jobs are simulated: a test-supplied script decides how many polls a Job runs, its exit code and its logs. So are
// server pods: a script decides how many reads they stay Pending, and whether they then run (with an IP) or fail.
import { createServer, type IncomingMessage, type RequestListener } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface KubeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  body: unknown;
}

/** How a simulated Job behaves. */
export interface JobScript {
  exitCode: number;
  logs: string;
  /** Reads of the Job that still see it running. */
  pollsBeforeDone?: number;
  /** The pod never starts (e.g. ErrImagePull): the Job runs until tslab gives up. */
  stuckWaiting?: string;
}

/** How a simulated server pod behaves. */
export interface PodScript {
  /** Reads (including the answer to the create) that still see it Pending. */
  readsBeforeRunning?: number;
  podIp?: string;
  /** It never runs: Failed with this reason once readsBeforeRunning have passed. */
  fails?: string;
  /** It never runs: Pending with this container waiting reason (e.g. ImagePullBackOff) for ever. */
  stuckWaiting?: string;
}

type Json = Record<string, unknown>;

export interface FakeKubeApiServer {
  readonly url: string;
  readonly requests: KubeRequest[];
  /** Cluster-scoped tailscale.com objects by `<plural>/<name>`. */
  readonly customObjects: Map<string, Json>;
  /** Services by `<namespace>/<name>`. */
  readonly services: Map<string, Json>;
  /** Jobs still present, by `<namespace>/<name>`. */
  readonly jobs: Map<string, { manifest: Json; script: JobScript; reads: number }>;
  /** Server pods still present, by `<namespace>/<name>`. */
  readonly pods: Map<string, { manifest: Json; script: PodScript; reads: number }>;
  addCustomObject(plural: 'connectors' | 'proxygroups', object: Json): void;
  addService(service: Json): void;
  onJob(script: (manifest: Json) => JobScript): void;
  onPod(script: (manifest: Json) => PodScript): void;
  /** The next request answers with this Status (e.g. 403 Forbidden), whatever its path. */
  failNext(code: number, reason: string, message: string): void;
  close(): Promise<void>;
}

export interface FakeKubeApiServerOptions {
  /** Serve HTTPS with this PEM key and certificate, as a real API server does. */
  tls?: { key: string; cert: string };
}

export async function startFakeKubeApiServer(
  options: FakeKubeApiServerOptions = {},
): Promise<FakeKubeApiServer> {
  const requests: KubeRequest[] = [];
  const customObjects = new Map<string, Json>();
  const services = new Map<string, Json>();
  const jobs = new Map<string, { manifest: Json; script: JobScript; reads: number }>();
  let jobScript: (manifest: Json) => JobScript = () => ({ exitCode: 0, logs: '' });
  const pods = new Map<string, { manifest: Json; script: PodScript; reads: number }>();
  let podScript: (manifest: Json) => PodScript = () => ({ podIp: '10.0.17.5' });
  let suffix = 0;
  const faults: Answer[] = [];

  const route = (method: string, path: string, query: URLSearchParams, body: unknown): Answer => {
    let m = /^\/apis\/tailscale\.com\/v1alpha1\/(connectors|proxygroups)\/([^/]+)$/.exec(path);
    if (m) {
      const key = `${m[1]}/${m[2]}`;
      const object = customObjects.get(key);
      if (!object) return notFound(`${m[1]}.tailscale.com "${m[2]}" not found`);
      if (method === 'DELETE') customObjects.delete(key);
      return ok(object);
    }
    if (method === 'GET' && path === '/api/v1/services') {
      return ok({ apiVersion: 'v1', kind: 'ServiceList', metadata: {}, items: [...services.values()] });
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/services(?:\/([^/]+))?$/.exec(path);
    if (m) {
      const [, namespace, name] = m;
      if (!name) {
        const items = [...services.values()].filter(
          (s) => meta(s).namespace === namespace && matches(meta(s).labels, query.get('labelSelector')),
        );
        return ok({ apiVersion: 'v1', kind: 'ServiceList', metadata: {}, items });
      }
      const service = services.get(`${namespace}/${name}`);
      if (!service) return notFound(`services "${name}" not found`);
      if (method === 'DELETE') services.delete(`${namespace}/${name}`);
      return ok(service);
    }
    m = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs(?:\/([^/]+))?$/.exec(path);
    if (m) return jobRoute(method, m[1]!, m[2], body);
    m = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+)(\/log)?)?$/.exec(path);
    if (m && (method === 'POST' || method === 'DELETE' || (m[2] && !m[3])))
      return serverPodRoute(method, m[1]!, m[2], body);
    if (m) return podRoute(m[1]!, m[2], query);
    return notFound(`the server could not find the requested resource (${method} ${path})`);
  };

  const jobRoute = (method: string, namespace: string, name: string | undefined, body: unknown): Answer => {
    if (method === 'POST' && !name) {
      const manifest = body as Json;
      const metadata = meta(manifest);
      const jobName = `${metadata.generateName ?? ''}${(++suffix).toString(36).padStart(5, 'x')}`;
      const stored = {
        ...manifest,
        metadata: { ...metadata, name: jobName, namespace, uid: `uid-${suffix}` },
      };
      jobs.set(`${namespace}/${jobName}`, { manifest: stored, script: jobScript(stored), reads: 0 });
      return { status: 201, body: stored };
    }
    const job = jobs.get(`${namespace}/${name}`);
    if (!job) return notFound(`jobs.batch "${name}" not found`);
    if (method === 'DELETE') {
      jobs.delete(`${namespace}/${name}`);
      return ok({ apiVersion: 'v1', kind: 'Status', status: 'Success' });
    }
    job.reads++;
    return ok({ ...job.manifest, status: jobStatus(job) });
  };

  const serverPodRoute = (
    method: string,
    namespace: string,
    name: string | undefined,
    body: unknown,
  ): Answer => {
    if (method === 'POST' && !name) {
      const manifest = body as Json;
      const metadata = meta(manifest);
      const podName = `${metadata.generateName ?? ''}${(++suffix).toString(36).padStart(5, 'x')}`;
      const stored = {
        ...manifest,
        metadata: { ...metadata, name: podName, namespace, uid: `uid-${suffix}` },
      };
      const pod = { manifest: stored, script: podScript(stored), reads: 0 };
      pods.set(`${namespace}/${podName}`, pod);
      return { status: 201, body: { ...stored, status: serverPodStatus(pod) } };
    }
    const pod = pods.get(`${namespace}/${name}`);
    if (!pod) return notFound(`pods "${name}" not found`);
    if (method === 'DELETE') {
      pods.delete(`${namespace}/${name}`);
      return ok({ ...pod.manifest, status: { phase: 'Running' } });
    }
    pod.reads++;
    return ok({
      ...pod.manifest,
      spec: { ...(pod.manifest.spec as Json), nodeName: 'ip-10-0-1-9' },
      status: serverPodStatus(pod),
    });
  };

  const podRoute = (namespace: string, podName: string | undefined, query: URLSearchParams): Answer => {
    const selector = query.get('labelSelector') ?? '';
    const entries = [...jobs.entries()].filter(([key]) => key.startsWith(`${namespace}/`));
    if (!podName) {
      const items = entries
        .filter(([key]) => selector === `batch.kubernetes.io/job-name=${key.split('/')[1]}`)
        .map(([key, job]) => pod(key.split('/')[1]!, namespace, job));
      return ok({ apiVersion: 'v1', kind: 'PodList', metadata: {}, items });
    }
    const owner = entries.find(([key]) => `${key.split('/')[1]}-pod` === podName);
    if (!owner) return notFound(`pods "${podName}" not found`);
    if (query.get('container') !== 'probe') return badRequest('container name must be given');
    if (owner[1].script.stuckWaiting)
      return badRequest(`container "probe" in pod "${podName}" is waiting to start`);
    return { status: 200, text: owner[1].script.logs };
  };

  const listener: RequestListener = (request, response) => {
    void readBody(request).then((raw) => {
      const url = new URL(request.url ?? '/', 'http://fake');
      const body: unknown = raw ? JSON.parse(raw) : undefined;
      requests.push({
        method: request.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        authorization: request.headers.authorization,
        body,
      });
      const answer = faults.shift() ?? route(request.method ?? 'GET', url.pathname, url.searchParams, body);
      if (answer.text !== undefined) {
        response.writeHead(answer.status, { 'content-type': 'text/plain' });
        response.end(answer.text);
      } else {
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(answer.body));
      }
    });
  };
  const server = options.tls ? createTlsServer(options.tls, listener) : createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    customObjects,
    services,
    jobs,
    pods,
    addCustomObject: (plural, object) => customObjects.set(`${plural}/${meta(object).name}`, object),
    addService: (service) => services.set(`${meta(service).namespace}/${meta(service).name}`, service),
    onJob: (script) => {
      jobScript = script;
    },
    onPod: (script) => {
      podScript = script;
    },
    failNext: (code, reason, message) => faults.push(status(code, reason, message)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Answer {
  status: number;
  body?: unknown;
  text?: string;
}

const ok = (body: unknown): Answer => ({ status: 200, body });
const status = (code: number, reason: string, message: string): Answer => ({
  status: code,
  body: { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message, reason, code },
});
const notFound = (message: string) => status(404, 'NotFound', message);
const badRequest = (message: string) => status(400, 'BadRequest', message);

function meta(object: Json): { name?: string; namespace?: string; generateName?: string; labels?: Json } {
  return (object.metadata ?? {}) as {
    name?: string;
    namespace?: string;
    generateName?: string;
    labels?: Json;
  };
}

/** Equality selectors only (`a=b,c=d`): all LabCluster sends. */
function matches(labels: Json | undefined, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [key, value] = term.split('=');
    return labels?.[key!] === value;
  });
}

function done(job: { script: JobScript; reads: number }): boolean {
  return !job.script.stuckWaiting && job.reads > (job.script.pollsBeforeDone ?? 0);
}

function jobStatus(job: { script: JobScript; reads: number }): Json {
  if (!done(job)) return { active: 1, startTime: '2026-11-27T10:00:00Z' };
  const succeeded = job.script.exitCode === 0;
  return {
    ...(succeeded ? { succeeded: 1 } : { failed: 1 }),
    conditions: [
      { type: succeeded ? 'Complete' : 'Failed', status: 'True', lastTransitionTime: '2026-11-27T10:00:05Z' },
    ],
  };
}

function pod(jobName: string, namespace: string, job: { script: JobScript; reads: number }): Json {
  const state = job.script.stuckWaiting
    ? { waiting: { reason: job.script.stuckWaiting } }
    : done(job)
      ? {
          terminated: {
            exitCode: job.script.exitCode,
            reason: job.script.exitCode === 0 ? 'Completed' : 'Error',
          },
        }
      : { running: { startedAt: '2026-11-27T10:00:01Z' } };
  const phase = job.script.stuckWaiting
    ? 'Pending'
    : done(job)
      ? job.script.exitCode === 0
        ? 'Succeeded'
        : 'Failed'
      : 'Running';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${jobName}-pod`, namespace, labels: { 'batch.kubernetes.io/job-name': jobName } },
    status: {
      phase,
      containerStatuses: [
        { name: 'probe', image: 'nicolaka/netshoot', imageID: '', ready: false, restartCount: 0, state },
      ],
    },
  };
}

function serverPodStatus(pod: { script: PodScript; reads: number }): Json {
  const { script } = pod;
  const container = (state: Json) => ({
    containerStatuses: [
      { name: 'server', image: 'nicolaka/netshoot', imageID: '', ready: false, restartCount: 0, state },
    ],
  });
  if (script.stuckWaiting)
    return { phase: 'Pending', ...container({ waiting: { reason: script.stuckWaiting } }) };
  if (pod.reads < (script.readsBeforeRunning ?? 0)) {
    return { phase: 'Pending', ...container({ waiting: { reason: 'ContainerCreating' } }) };
  }
  if (script.fails) {
    return {
      phase: 'Failed',
      reason: script.fails,
      ...container({ terminated: { exitCode: 1, reason: 'Error' } }),
    };
  }
  return {
    phase: 'Running',
    podIP: script.podIp ?? '10.0.17.5',
    ...container({ running: { startedAt: '2026-11-27T10:00:01Z' } }),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
