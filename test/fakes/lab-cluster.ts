// An in-memory LabCluster for tests of checks and teardown: seed custom objects and Services, script what probe Jobs
// print and how server pods start, and read back what was run and deleted. test/clients/lab-cluster-contract.test.ts
// holds it to the same contract as the real implementation.
import type {
  JobRun,
  LabCluster,
  LabService,
  ProbeJobSpec,
  RunningPod,
  ServerPodSpec,
  TailscaleKind,
  TailscaleObject,
} from '../../src/clients/kubernetes/lab-cluster.ts';

export type JobOutcome = Pick<JobRun, 'outcome' | 'exitCode' | 'logs'> & { detail?: string };
export type JobHandler = (spec: ProbeJobSpec) => JobOutcome | Promise<JobOutcome>;
/** How a server pod starts: its address, or why it never ran (the pod is then deleted, as the real one is). */
export type ServerPodOutcome = { podIp: string; nodeName?: string } | { error: string };
export type ServerPodHandler = (spec: ServerPodSpec) => ServerPodOutcome | Promise<ServerPodOutcome>;

export class FakeLabCluster implements LabCluster {
  readonly customObjects = new Map<string, TailscaleObject>();
  readonly services = new Map<string, LabService>();
  /** Every Job run, in order. */
  readonly jobs: ProbeJobSpec[] = [];
  /** What was deleted, as `Kind namespace/name` or `Kind name`. */
  readonly deleted: string[] = [];
  /** Every server pod started, in order, with the name it got. */
  readonly serverPods: (ServerPodSpec & { timeoutMs: number; pollMs?: number; name: string })[] = [];
  /** Server pods that exist now, by `namespace/name`. */
  readonly livePods = new Set<string>();
  private handler: JobHandler = () => ({ outcome: 'succeeded', exitCode: 0, logs: '' });
  private podHandler: ServerPodHandler = () => ({ podIp: '10.0.17.5' });
  private jobCount = 0;
  private podCount = 0;

  setCustomObject(
    object: Pick<TailscaleObject, 'kind' | 'name'> & Partial<TailscaleObject>,
  ): TailscaleObject {
    const full: TailscaleObject = {
      generation: 1,
      spec: {},
      conditions: [],
      devices: [],
      subnetRoutes: undefined,
      ...object,
    };
    this.customObjects.set(`${object.kind}/${object.name}`, full);
    return full;
  }

  setService(service: Pick<LabService, 'namespace' | 'name'> & Partial<LabService>): LabService {
    const full: LabService = {
      type: 'ClusterIP',
      externalName: undefined,
      clusterIP: undefined,
      annotations: {},
      labels: {},
      ports: [],
      conditions: [],
      loadBalancerIngress: [],
      ...service,
    };
    this.services.set(`${service.namespace}/${service.name}`, full);
    return full;
  }

  /** Decides what each probe Job reports; by default it succeeds silently. */
  onJob(handler: JobHandler): void {
    this.handler = handler;
  }

  /** Decides how each server pod starts; by default it runs at 10.0.17.5. */
  onServerPod(handler: ServerPodHandler): void {
    this.podHandler = handler;
  }

  async getCustomObject(kind: TailscaleKind, name: string): Promise<TailscaleObject | undefined> {
    return structuredClone(this.customObjects.get(`${kind}/${name}`));
  }

  async deleteCustomObject(kind: TailscaleKind, name: string): Promise<'deleted' | 'already-gone'> {
    if (!this.customObjects.delete(`${kind}/${name}`)) return 'already-gone';
    this.deleted.push(`${kind} ${name}`);
    return 'deleted';
  }

  async getService(namespace: string, name: string): Promise<LabService | undefined> {
    return structuredClone(this.services.get(`${namespace}/${name}`));
  }

  async listServices(namespace: string, labelSelector?: string): Promise<LabService[]> {
    return [...this.services.values()]
      .filter((s) => s.namespace === namespace && selects(labelSelector, s.labels))
      .map((s) => structuredClone(s));
  }

  async listLoadBalancerServices(): Promise<LabService[]> {
    return [...this.services.values()]
      .filter((s) => s.type === 'LoadBalancer')
      .map((s) => structuredClone(s));
  }

  async deleteService(namespace: string, name: string): Promise<'deleted' | 'already-gone'> {
    if (!this.services.delete(`${namespace}/${name}`)) return 'already-gone';
    this.deleted.push(`Service ${namespace}/${name}`);
    return 'deleted';
  }

  async runJob(spec: ProbeJobSpec & { pollMs?: number }): Promise<JobRun> {
    this.jobs.push(spec);
    const outcome = await this.handler(spec);
    return {
      namespace: spec.namespace,
      name: `${spec.namePrefix}-${(++this.jobCount).toString().padStart(5, '0')}`,
      outcome: outcome.outcome,
      exitCode: outcome.exitCode,
      logs: outcome.logs,
      detail: outcome.detail ?? `fake pod: ${outcome.outcome}`,
    };
  }

  async startServerPod(spec: ServerPodSpec & { timeoutMs: number; pollMs?: number }): Promise<RunningPod> {
    const name = `${spec.namePrefix}-${(++this.podCount).toString().padStart(5, '0')}`;
    this.serverPods.push({ ...spec, name });
    this.livePods.add(`${spec.namespace}/${name}`);
    const outcome = await this.podHandler(spec);
    if ('error' in outcome) {
      await this.deletePod(spec.namespace, name);
      throw new Error(`server pod ${name}: ${outcome.error}`);
    }
    return { namespace: spec.namespace, name, podIp: outcome.podIp, nodeName: outcome.nodeName };
  }

  async deletePod(namespace: string, name: string): Promise<'deleted' | 'already-gone'> {
    if (!this.livePods.delete(`${namespace}/${name}`)) return 'already-gone';
    this.deleted.push(`Pod ${namespace}/${name}`);
    return 'deleted';
  }
}

/** Equality selectors (`a=b,c=d`), the only kind tslab uses. */
function selects(selector: string | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [key, value] = term.split('=');
    return key !== undefined && labels[key.trim()] === value?.trim();
  });
}
