// What the checks need to observe a lab. Two implementations: AWS (Tailscale API, Kubernetes API, SSM) and the local
// lab (network namespaces, WireGuard, dnsmasq). Checks are written once against this interface.

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
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
  latencyMs?: number;
  detail: string;
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
  runOnClient(script: string): Promise<CommandResult>;
  /** Runs a shell script in a short-lived netshoot pod (a Kubernetes Job on AWS, the netshoot namespace locally). */
  runInCluster(script: string): Promise<CommandResult>;
  pathToRouter(): Promise<PathInfo>;
  egressStatus(): Promise<EgressStatus>;
  exposure(): Promise<ExposureFacts>;
  /** Captures each hop while `during` runs; only the local lab can do this. */
  capturePath?(scenario: 'subnet-router' | 'egress', during: () => Promise<void>): Promise<HopCapture[]>;
}
