// An in-memory LabCluster for tests of checks and teardown: seed custom objects and Services, script what probe Jobs
// print, and read back what was run and deleted. test/clients/lab-cluster-contract.test.ts holds it to the same
// contract as the real implementation.
import type {
  JobRun,
  LabCluster,
  LabService,
  ProbeJobSpec,
  TailscaleKind,
  TailscaleObject,
} from '../../src/kubernetes/lab-cluster.ts';

export type JobOutcome = Pick<JobRun, 'outcome' | 'exitCode' | 'logs'> & { detail?: string };
export type JobHandler = (spec: ProbeJobSpec) => JobOutcome | Promise<JobOutcome>;

export class FakeLabCluster implements LabCluster {
  readonly customObjects = new Map<string, TailscaleObject>();
  readonly services = new Map<string, LabService>();
  /** Every Job run, in order. */
  readonly jobs: ProbeJobSpec[] = [];
  /** What was deleted, as `Kind namespace/name` or `Kind name`. */
  readonly deleted: string[] = [];
  private handler: JobHandler = () => ({ outcome: 'succeeded', exitCode: 0, logs: '' });
  private jobCount = 0;

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
}

/** Equality selectors (`a=b,c=d`), the only kind tslab uses. */
function selects(selector: string | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [key, value] = term.split('=');
    return key !== undefined && labels[key.trim()] === value?.trim();
  });
}
