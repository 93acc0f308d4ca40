// One world for a lab's whole life: the cloud model with its AWS mocks, the loopback Tailscale API, each lab's
// cluster with a stand-in operator, and the fake terraform whose resources have the effects the real ones have:
// the client instance joins the tailnet, the operator release registers its device, the lab release makes the
// operator register the router and egress proxy (and remove them when their objects are deleted), and a cluster leaves
// ENIs, a load balancer and a security group behind that its destroy does not remove.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPERATOR_CHART } from '../../../infra/manifests/operator-values.ts';
import { parseManifest } from '../../../src/engine/manifest.ts';
import { S3LabStore } from '../../../src/engine/lab-stores.ts';
import type { TailscaleKind } from '../../../src/clients/kubernetes/lab-cluster.ts';
import { resolveLab, type LabConfig } from '../../../src/lab/config.ts';
import type { LabInput } from '../../../src/lab/schema.ts';
import { adoptManifest } from '../../../src/targets/lab-identity.ts';
import { openHome } from '../../../src/targets/open-lab.ts';
import type { LabDependencies } from '../../../src/targets/dependencies.ts';
import type { TakeoverContext, TakeoverEvidence } from '../../../src/engine/takeover.ts';
import type { SweepDeps } from '../../../src/sweep/sweep-labs.ts';
import { LabHome, type LabHomeOptions, type OperationIo } from '../../../src/home/lab-home.ts';
import { provisionAwsLab, type AwsProvisionResult } from '../../../src/targets/aws/provision.ts';
import type { AwsServices } from '../../../src/targets/aws/services.ts';
import { teardownAwsLab, type TeardownReport } from '../../../src/targets/aws/teardown.ts';
import { createTailscaleApiClient, type TailscaleApi } from '../../../src/clients/tailscale/api-client.ts';
import { FakeLabCluster } from '../../fakes/lab-cluster.ts';
import { startFakeTailscaleApi, type FakeTailscaleApi } from '../../fakes/tailscale-api.ts';
import { mockAwsClients, type MockedAws } from './aws-mocks.ts';
import { ACCOUNT, awsError, BUCKET, CloudModel, REGION, ssmParameterArn } from './cloud-model.ts';
import {
  ModelTerraform,
  type PlannedResource,
  type ResourceEffects,
  type StateEntry,
} from './fake-terraform.ts';

/** How the client router behaves once its instance boots. */
export type ClientJoin = 'online' | 'never' | 'routes-unapproved';

const IN_VPC = new Set([
  'aws_subnet',
  'aws_route_table',
  'aws_internet_gateway',
  'aws_nat_gateway',
  'aws_security_group',
  'aws_instance',
]);
const TAGGABLE_EC2 = new Set([...IN_VPC, 'aws_vpc', 'aws_eip', 'aws_launch_template']);
/** Listed by the tagging API too, and known by ARN: the client's auth key parameter. */
const TAGGABLE_SSM = new Set(['aws_ssm_parameter']);
const TAGGABLE_EKS = new Set([
  'aws_eks_cluster',
  'aws_eks_node_group',
  'aws_eks_addon',
  'aws_eks_access_entry',
]);

/** A cluster whose stand-in operator removes a proxy's tailnet device when its object is deleted. */
class OperatorCluster extends FakeLabCluster {
  operatorRunning = false;

  constructor(private readonly onProxyGone: (kind: TailscaleKind | 'Service') => Promise<void>) {
    super();
  }

  override async deleteCustomObject(kind: TailscaleKind, name: string): Promise<'deleted' | 'already-gone'> {
    const result = await super.deleteCustomObject(kind, name);
    if (result === 'deleted' && this.operatorRunning) await this.onProxyGone(kind);
    return result;
  }

  override async deleteService(namespace: string, name: string): Promise<'deleted' | 'already-gone'> {
    const result = await super.deleteService(namespace, name);
    if (result === 'deleted' && this.operatorRunning) await this.onProxyGone('Service');
    return result;
  }
}

export interface WorldOptions {
  clientJoin?: ClientJoin;
  /** Mock every AWS client of the SDK, not only the world's own: for code that makes its own (actions, CLI). */
  mockClasses?: boolean;
  /** The OAuth client the Tailscale fake accepts. */
  tailscaleCredentials?: { clientId: string; clientSecret: string };
}

export class LabWorld implements ResourceEffects {
  readonly model = new CloudModel();
  readonly aws: MockedAws;
  readonly terraform: ModelTerraform;
  /** What tslab itself uses; its retry sleeps land in `tailscaleSleeps`. */
  readonly tailscale: TailscaleApi;
  readonly tailscaleSleeps: number[] = [];
  /** Sleeps of provision and teardown (router wait, AWS retries, the operator wait). */
  readonly sleeps: number[] = [];
  readonly log: string[] = [];
  clientJoin: ClientJoin;
  private readonly labs = new Map<string, LabConfig>();
  private readonly clusters = new Map<string, OperatorCluster>();
  /** Every tailnet device a lab ever had: hostname → fake device id. */
  private readonly devices = new Map<string, { lab: string; id: string }>();
  private readonly operatorApi: TailscaleApi;

  private constructor(
    readonly api: FakeTailscaleApi,
    readonly outdir: string,
    options: WorldOptions,
  ) {
    this.aws = mockAwsClients(this.model, options.mockClasses ? 'classes' : 'instances');
    this.terraform = new ModelTerraform(this.model, this);
    this.clientJoin = options.clientJoin ?? 'online';
    const base = { clientId: api.clientId, clientSecret: api.clientSecret, baseUrl: api.url };
    // Production's retry settings (5 attempts), with the sleeps recorded instead of waited.
    this.tailscale = createTailscaleApiClient({
      ...base,
      retry: { sleep: async (ms) => void this.tailscaleSleeps.push(ms) },
    });
    this.operatorApi = createTailscaleApiClient({ ...base, retry: { maxAttempts: 1 } });
  }

  static async start(options: WorldOptions = {}): Promise<LabWorld> {
    const api = await startFakeTailscaleApi(options.tailscaleCredentials ?? {});
    return new LabWorld(api, await mkdtemp(join(tmpdir(), 'tslab-reliability-')), options);
  }

  private closed = false;

  /** Idempotent, so an afterEach may close whatever world the last test left. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.aws.restore();
    await this.api.close();
    await rm(this.outdir, { recursive: true, force: true });
  }

  /** A lab kept in the world's state bucket, in its region. */
  lab(id: string, input: Partial<LabInput> = {}): LabConfig {
    const lab = resolveLab({ lab: id, region: REGION, stateBucket: BUCKET, ...input });
    this.labs.set(id, lab);
    return lab;
  }

  /** Where the world's labs live: its bucket, its terraform, a lock that looks for terraform's lock often. */
  homeOptions(): LabHomeOptions {
    return {
      outdir: this.outdir,
      env: {},
      s3: () => this.aws.clients.s3,
      terraform: this.terraform,
      // The lease looks for terraform's lock at once and often: the fake terraform holds it for milliseconds.
      lock: { stateLockPollMs: 1 },
    };
  }

  home(lab: LabConfig): LabHome {
    return LabHome.of(lab, this.homeOptions());
  }

  /** The AWS wing's clients and waits in this world: sleeps recorded, not waited. */
  services(): AwsServices {
    return {
      tailscale: this.tailscale,
      aws: this.aws.clients,
      routerWaitMs: 60_000,
      operatorCleanupWaitMs: 50,
      sleep: async (ms) => {
        this.sleeps.push(ms);
        await new Promise((resolve) => setImmediate(resolve));
      },
      connectCluster: async (lab) => this.connect(lab),
    };
  }

  /** What a run in this world reports through and proves earlier runs gone with. */
  io(): OperationIo {
    return { log: (line) => this.log.push(line), takeover: this.evidence() };
  }

  /**
   * What a later run on this host knows: every run here is this test process, so a tslab process the world killed
   * (the world's terraform died with it) is modelled as its pid having exited.
   */
  private evidence(): TakeoverEvidence {
    const evidence: TakeoverEvidence & Pick<TakeoverContext, 'pidAlive'> = {
      pidAlive: (pid) => pid !== process.pid || this.terraform.deaths === 0,
    };
    return evidence;
  }

  /** The world's sweep seams: its clients for every region, its cluster, its terraform and fast clock. */
  sweepDeps(): Pick<
    SweepDeps,
    'aws' | 'awsFor' | 'connectCluster' | 'store' | 'stateBucket' | 'seams' | 'io' | 'log'
  > {
    const services = this.services();
    const { takeover } = this.io();
    return {
      aws: this.aws.clients,
      awsFor: () => this.aws.clients,
      connectCluster: async (lab) => this.connect(lab),
      store: new S3LabStore(this.aws.clients.s3, BUCKET),
      stateBucket: BUCKET,
      log: (line) => this.log.push(line),
      io: { takeover },
      seams: {
        outdir: this.outdir,
        terraform: this.terraform,
        lock: { stateLockPollMs: 1 },
        sleep: services.sleep,
        operatorCleanupWaitMs: services.operatorCleanupWaitMs,
      },
    };
  }

  /**
   * The clients the actions and the CLI make for themselves, pointed at this world: what tests pass as their
   * `dependencies` instead of mocking modules.
   */
  dependencies(): Partial<LabDependencies> {
    return {
      awsClients: () => this.aws.clients,
      tailscaleApi: (credential, tailnet) =>
        createTailscaleApiClient({
          clientId: credential.id,
          clientSecret: credential.secret,
          baseUrl: this.api.url,
          ...(tailnet ? { tailnet } : {}),
        }),
      terraform: this.terraform,
      connectCluster: async (lab) => this.connect(lab),
    };
  }

  provision(lab: LabConfig): Promise<AwsProvisionResult> {
    this.labs.set(lab.id, lab);
    return provisionAwsLab(this.home(lab), this.services(), this.io());
  }

  /** What the teardown action and `tslab teardown` do: the lab from its id alone (and its manifest, if any). */
  async teardown(labId: string): Promise<TeardownReport> {
    const { home } = await openHome(
      { lab: labId, region: REGION, stateBucket: BUCKET },
      {
        credentials: {},
        localStateDir: join(this.outdir, 'state'),
        outdir: this.outdir,
        dependencies: { awsClients: () => this.aws.clients, terraform: this.terraform },
      },
    );
    return teardownAwsLab(this.home(home.lab), this.services(), this.io());
  }

  /** Everything of the lab still anywhere: AWS resources, tailnet devices and DNS, its records in the bucket. */
  leftOf(labId: string): { resources: string[]; devices: string[]; splitDns: string[]; records: string[] } {
    return {
      resources: this.model.ownedBy(labId).map((r) => `${r.type} ${r.id}`),
      devices: [...this.devices]
        .filter(([, d]) => d.lab === labId && this.api.device(d.id))
        .map(([hostname]) => hostname),
      splitDns: Object.keys(this.api.splitDns).filter((domain) => domain.startsWith(`${labId}.`)),
      // An emptied state object is terraform's record of a destroyed stack, not a resource.
      records: [...this.model.objects]
        .filter(([key, body]) => key.startsWith(`tslab/${labId}/`) && !/"resources":\[\]/.test(body))
        .map(([key]) => key),
    };
  }

  /** A device on the tailnet that the lab's teardown must not touch. */
  addStranger(hostname: string, tags: string[] = []): string {
    return this.api.addDevice({ hostname, tags }).id;
  }

  hasDevice(id: string): boolean {
    return this.api.device(id) !== undefined;
  }

  /** The runner cannot reach any cluster API (off the tailnet, the client router gone). */
  apiUnreachable = false;

  async connect(lab: LabConfig): Promise<FakeLabCluster> {
    if (this.apiUnreachable)
      throw new Error(`connect ETIMEDOUT: the private endpoint of ${lab.cluster.name}`);
    return this.clusterNamed(lab.cluster.name);
  }

  /** The running cluster of that name, as a client reaching its API would find it. */
  clusterNamed(name: string): FakeLabCluster {
    const lab = [...this.labs.values()].find((l) => l.cluster.name === name);
    const cluster = lab && this.clusters.get(lab.id);
    if (!cluster || !this.model.get(name))
      throw new Error(`Could not describe EKS cluster ${name}: ResourceNotFoundException`);
    return cluster;
  }

  // ResourceEffects: what each resource does to the world when terraform creates or destroys it.

  async create(labId: string, _stack: string, resource: PlannedResource): Promise<string[]> {
    const lab = this.labOf(labId);
    const vpcId = this.model.all().find((r) => r.type === 'aws_vpc' && r.owner === labId)?.id;
    const tags = { ...lab.tags, ...((resource.body['tags'] as Record<string, string> | undefined) ?? {}) };
    const base = { type: resource.type, owner: labId, createdBy: 'terraform' as const, tags };
    const prefixes: Record<string, string> = { aws_vpc: 'vpc', aws_subnet: 'subnet', aws_instance: 'i' };

    if (resource.type === 'aws_eks_cluster') {
      this.model.add({ ...base, id: lab.cluster.name, taggable: true });
      this.clusterLeftovers(lab, vpcId);
      this.clusters.set(labId, new OperatorCluster((kind) => this.operatorRemoves(lab, kind)));
      return [lab.cluster.name];
    }
    const releaseName = resource.type === 'helm_release' ? String(resource.body['name']) : undefined;
    if (releaseName) await this.helmInstall(lab, releaseName);
    if (resource.type === 'tailscale_dns_split_nameservers') {
      this.api.splitDns[lab.cluster.dnsDomain] = [lab.network.kubeDnsIp];
    }
    const id = this.model.nextId(prefixes[resource.type] ?? resource.type.replace(/^aws_|^tailscale_/, ''));
    this.model.add({
      ...base,
      id,
      taggable:
        TAGGABLE_EC2.has(resource.type) || TAGGABLE_EKS.has(resource.type) || TAGGABLE_SSM.has(resource.type),
      ...(TAGGABLE_SSM.has(resource.type) ? { arn: ssmParameterArn(String(resource.body['name'])) } : {}),
      ...(IN_VPC.has(resource.type) && vpcId ? { vpcId } : {}),
      ...(releaseName ? { releaseName } : {}),
    });
    if (resource.type === 'aws_instance') this.clientBoots(lab);
    return [id];
  }

  async destroy(labId: string, _stack: string, entry: StateEntry): Promise<void> {
    const lab = this.labOf(labId);
    for (const id of entry.ids) {
      const resource = this.model.get(id);
      if (!resource) continue;
      if (resource.type === 'aws_vpc' || resource.type === 'aws_subnet') {
        const vpc = resource.type === 'aws_vpc' ? resource.id : resource.vpcId;
        const blockers = this.model
          .all()
          .filter(
            (r) =>
              r.vpcId === vpc && r.id !== id && (resource.type === 'aws_vpc' || r.createdBy !== 'terraform'),
          );
        if (blockers.length) {
          throw awsError(
            'DependencyViolation',
            `The ${resource.type === 'aws_vpc' ? 'vpc' : 'subnet'} '${id}' has dependencies and cannot be deleted.`,
          );
        }
      }
      if (resource.type === 'aws_eks_cluster') {
        // Whatever Helm installed in the cluster goes with it.
        for (const release of this.model.all().filter((r) => r.releaseName && r.owner === labId)) {
          this.model.remove(release.id);
        }
        // The VPC CNI's ENIs outlive the cluster, detached.
        for (const eni of this.model.all().filter((r) => r.type === 'eni' && r.owner === labId))
          eni.status = 'available';
      }
      if (resource.type === 'aws_instance') {
        // The ephemeral client goes offline; the tailnet forgets it only later.
        const device = this.devices.get(lab.client.hostname);
        const fake = device && this.api.device(device.id);
        if (fake) fake.connectedToControl = false;
      }
      if (resource.releaseName) {
        if (this.apiUnreachable) throw new Error(`Kubernetes cluster unreachable: ${lab.cluster.name}`);
        await this.helmUninstall(lab, resource.releaseName);
      }
      if (resource.type === 'tailscale_dns_split_nameservers')
        delete this.api.splitDns[lab.cluster.dnsDomain];
      this.model.remove(id);
    }
  }

  output(labId: string, stack: string, name: string, state: StateEntry[]): unknown {
    const lab = this.labOf(labId);
    if (stack === 'client' && name === 'instance_id')
      return state.find((e) => e.type === 'aws_instance')?.ids[0];
    if (stack === 'client' && name === 'private_ip') return lab.network.clientSubnet.replace(/0\/\d+$/, '10');
    if (stack === 'workloads' && name === 'client_tailnet_ip') return '100.64.0.1';
    return `${stack}.${name}`;
  }

  /** The lab as given to the world, or (for labs an action resolved itself) as its manifest in the bucket says. */
  private labOf(labId: string): LabConfig {
    const known = this.labs.get(labId);
    if (known) return known;
    const manifest = this.model.objects.get(S3LabStore.key(labId));
    if (!manifest) throw new Error(`the world knows no lab ${labId}`);
    const lab = adoptManifest(
      { lab: labId, region: REGION, stateBucket: BUCKET },
      parseManifest(manifest, labId),
    );
    this.labs.set(labId, lab);
    return lab;
  }

  private register(
    lab: LabConfig,
    hostname: string,
    device: Parameters<FakeTailscaleApi['addDevice']>[0],
  ): void {
    this.devices.set(hostname, { lab: lab.id, id: this.api.addDevice(device).id });
  }

  /** The VPC CNI's ENIs and a Service's load balancer with its security group: Kubernetes made them, not terraform. */
  private clusterLeftovers(lab: LabConfig, vpcId: string | undefined): void {
    if (!vpcId) return;
    const clusterTag = { [`kubernetes.io/cluster/${lab.cluster.name}`]: 'owned' };
    const common = { owner: lab.id, createdBy: 'kubernetes' as const, vpcId, taggable: true };
    const sg = this.model.add({
      ...common,
      id: this.model.nextId('sg'),
      type: 'security-group',
      groupName: `k8s-elb-${lab.id}`,
      tags: clusterTag,
    });
    this.model.add({
      ...common,
      id: `k8s-${lab.id}-lb`,
      arn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/net/k8s-${lab.id}/0123456789abcdef`,
      type: 'load-balancer',
      tags: { ...clusterTag, 'elbv2.k8s.aws/cluster': lab.cluster.name },
      securityGroups: [sg.id],
    });
    for (let i = 0; i < 2; i++) {
      this.model.add({
        ...common,
        id: this.model.nextId('eni'),
        type: 'eni',
        status: 'in-use',
        tags: { 'cluster.k8s.amazonaws.com/name': lab.cluster.name },
      });
    }
  }

  private clientBoots(lab: LabConfig): void {
    if (this.clientJoin === 'never') return;
    const routes = lab.tailnet.clientRoutes;
    this.register(lab, lab.client.hostname, {
      hostname: lab.client.hostname,
      tags: [lab.tailnet.clientTag, lab.tailnet.slotTag],
      isEphemeral: true,
      advertisedRoutes: routes,
      enabledRoutes: this.clientJoin === 'routes-unapproved' ? [] : routes,
    });
  }

  private async helmInstall(lab: LabConfig, releaseName: string): Promise<void> {
    const cluster = this.clusters.get(lab.id);
    if (!cluster) throw new Error('Kubernetes cluster unreachable');
    if (releaseName === OPERATOR_CHART.releaseName) {
      cluster.operatorRunning = true;
      this.register(lab, lab.tailnet.operatorHostname, {
        hostname: lab.tailnet.operatorHostname,
        tags: [lab.tailnet.operatorTag],
      });
      return;
    }
    if (!cluster.operatorRunning)
      throw new Error('no matches for kind "Connector" in version "tailscale.com/v1alpha1"');
    cluster.setCustomObject({ kind: 'Connector', name: lab.tailnet.connectorName });
    cluster.setService({
      namespace: lab.workloads.namespace,
      name: lab.workloads.egressServiceName,
      type: 'ExternalName',
    });
    this.register(lab, lab.tailnet.routerHostname, {
      hostname: lab.tailnet.routerHostname,
      tags: [lab.tailnet.proxyTag, lab.tailnet.slotTag],
      advertisedRoutes: lab.tailnet.connectorRoutes,
      enabledRoutes: lab.tailnet.connectorRoutes,
    });
    this.register(lab, lab.tailnet.egressHostname, {
      hostname: lab.tailnet.egressHostname,
      tags: [lab.tailnet.proxyTag, lab.tailnet.slotTag],
    });
  }

  private async helmUninstall(lab: LabConfig, releaseName: string): Promise<void> {
    const cluster = this.clusters.get(lab.id);
    if (!cluster) return;
    if (releaseName === OPERATOR_CHART.releaseName) {
      // The operator's own device stays on the tailnet: nothing removes it but tslab's teardown.
      cluster.operatorRunning = false;
      return;
    }
    await cluster.deleteCustomObject('Connector', lab.tailnet.connectorName);
    await cluster.deleteService(lab.workloads.namespace, lab.workloads.egressServiceName);
  }

  /** The operator deletes a proxy's device through the API once its object is gone. */
  private async operatorRemoves(lab: LabConfig, kind: TailscaleKind | 'Service'): Promise<void> {
    const hostname = kind === 'Connector' ? lab.tailnet.routerHostname : lab.tailnet.egressHostname;
    const device = this.devices.get(hostname);
    if (device && this.api.device(device.id)) {
      const nodeId = this.api.device(device.id)!.nodeId;
      await this.operatorApi.deleteDevice(nodeId);
    }
  }
}
