// What the checks need to observe a lab. Two implementations: AWS (Tailscale API, Kubernetes API, SSM) and the local
// lab (network namespaces, WireGuard, dnsmasq). Checks are written once against this interface.

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /**
   * How long the script may run once it started (default: the platform's, a minute or two). Starting a pod for it
   * (POD_START_SECONDS) comes on top.
   */
  timeoutMs?: number;
}

export interface ConnectorStatus {
  /** ConnectorReady condition is True (and observedGeneration caught up, where the platform has one). */
  ready: boolean;
  reason: string;
  devices: { hostname: string; tailnetIPs: string[] }[];
}

export interface RouterRoutes {
  device: string;
  advertised: string[];
  enabled: string[];
}

export interface PathInfo {
  /** How the client reaches the subnet router: a direct UDP path, or relayed (DERP or a peer relay). */
  mode: 'direct' | 'derp' | 'peer-relay' | 'unknown';
  /** The DERP region's code (e.g. "fra") when the path is relayed through DERP. */
  derpRegion?: string;
  latencyMs?: number;
  detail: string;
}

/** The two data paths the lab measures: client → Connector → cluster, and cluster → egress proxy → client. */
export type DataPlaneScenario = 'subnet-router' | 'egress';

export interface ThroughputServerOptions {
  port: number;
  /** The server exits on its own after this long, even if stop() is never reached. */
  maxSeconds: number;
}

/** An iperf3 server started for one measurement, at the far end of a scenario. */
export interface ThroughputServer {
  /** What the measuring end connects to: an address, or a name it resolves. */
  host: string;
  port: number;
  /** Where it runs, for the report (e.g. "pod tslab-iperf3-ab12 at 10.0.17.5"). */
  where: string;
  /** Stops the server and removes whatever was created for it; safe to call more than once. */
  stop(): Promise<void>;
}

export interface EgressStatus {
  ready: boolean;
  /** The Service's externalName as the operator rewrote it ("placeholder" until it does). */
  externalName: string;
  conditions: { type: string; status: string; reason?: string }[];
}

export interface ExposureFacts {
  loadBalancerServices: string[];
  publicApiEndpoint: boolean;
  publicIps: string[];
}

/** A packet capture on one hop: the source → destination pairs seen on that interface during a check. */
export interface HopCapture {
  hop: string;
  flows: string[];
}

export interface LabProbe {
  readonly platform: 'aws' | 'local';
  connectorStatus(): Promise<ConnectorStatus>;
  routerRoutes(): Promise<RouterRoutes>;
  /** Split DNS as the tailnet (or the local resolver config) has it: domain → nameservers. */
  splitDns(): Promise<Record<string, string[]>>;
  /** Runs a shell script on the lab client (SSM Run Command on AWS, the client namespace locally). */
  runOnClient(script: string, options?: RunOptions): Promise<CommandResult>;
  /** Runs a shell script in a short-lived netshoot pod (a Kubernetes Job on AWS, the netshoot namespace locally). */
  runInCluster(script: string, options?: RunOptions): Promise<CommandResult>;
  pathToRouter(): Promise<PathInfo>;
  egressStatus(): Promise<EgressStatus>;
  exposure(): Promise<ExposureFacts>;
  /**
   * Starts iperf3's server at the far end of a scenario: in the cluster for subnet-router (the client reaches it at
   * a pod address, through the Connector), on the client for egress (a pod reaches it through the egress Service,
   * at lab.workloads.egressFqdn). The measuring end runs iperf3 through runOnClient / runInCluster.
   */
  startThroughputServer(
    scenario: DataPlaneScenario,
    options: ThroughputServerOptions,
  ): Promise<ThroughputServer>;
  /** Path between the client and the egress proxy's tailnet device (the egress scenario's tunnel). */
  pathToEgressProxy(): Promise<PathInfo>;
  /** MTU of the client's tailnet interface: both scenarios' tunnels end there. */
  tunnelMtu(): Promise<number>;
  /** What the data-plane figures are measurements of, shown beside them (e.g. userspace WireGuard locally). */
  readonly measurementLabel: string;
  /** Captures each hop while `during` runs; only the local lab can do this. */
  capturePath?(scenario: 'subnet-router' | 'egress', during: () => Promise<void>): Promise<HopCapture[]>;
}
