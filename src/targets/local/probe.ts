// LabProbe over the local lab: observes the namespaces, the WireGuard mesh and the processes the topology
// started.
import { readFile, stat } from 'node:fs/promises';
import type {
  CommandResult,
  ConnectorStatus,
  DataPlaneScenario,
  EgressStatus,
  ExposureFacts,
  HopCapture,
  LabProbe,
  PathInfo,
  RouterRoutes,
  RunOptions,
  ThroughputServer,
  ThroughputServerOptions,
} from '../../checks/probe.ts';
import type { LabConfig } from '../../lab/config.ts';
import { parseSplitDns } from '../../../infra/local/app-configs.ts';
import { captureHops, type CaptureHop } from './capture.ts';
import { mustRunIn, runIn, runProgram } from './netns-exec.ts';
import {
  DAEMONS,
  localPlan,
  namespacePrefix,
  PEERS,
  POD_GATEWAY_IP,
  statePaths,
  type DaemonName,
  type LocalPlan,
  type Peer,
} from '../../../infra/local/plan.ts';
import { startThroughputServerIn, throughputTarget } from './throughput-server.ts';
import { parseAllowedIps, parseEndpoints, parseLatestHandshakes } from './wg-show.ts';

const SCRIPT_TIMEOUT_MS = 60_000;
const RTT_SAMPLES = 3;
/** IPv4 minus multicast group reports (IGMP) the kernel sends when links come up: not part of any path. */
const LAB_TRAFFIC = 'ip and not igmp';

export class LocalLabProbe implements LabProbe {
  readonly platform = 'local' as const;
  readonly measurementLabel =
    "this machine's userspace WireGuard (wireguard-go) between network namespaces, not a cloud network";
  private readonly lab: LabConfig;
  private readonly plan: LocalPlan;

  constructor(lab: LabConfig) {
    this.lab = lab;
    this.plan = localPlan(lab);
  }

  async connectorStatus(): Promise<ConnectorStatus> {
    const router = this.plan.tailnet.peers.router;
    const device = { hostname: router.hostname, tailnetIPs: [] as string[] };
    const link = await runIn(router.namespace, ['ip', '-j', 'addr', 'show', 'dev', router.iface]);
    if (link.exitCode !== 0) {
      return {
        ready: false,
        reason: `${router.iface} not found in ${router.namespace}: ${link.stderr.trim()}`,
        devices: [],
      };
    }
    const [info] = JSON.parse(link.stdout) as { flags?: string[]; addr_info?: { local?: string }[] }[];
    device.tailnetIPs = (info?.addr_info ?? []).flatMap((a) => (a.local ? [a.local] : []));
    const flags = info?.flags ?? [];
    if (!flags.includes('UP') || !flags.includes('LOWER_UP')) {
      return {
        ready: false,
        reason: `${router.iface} is down (flags ${flags.join(',')})`,
        devices: [device],
      };
    }
    const daemon = await this.daemonIn('wireguard-router', router.namespace);
    if (!daemon.alive) return { ready: false, reason: daemon.detail, devices: [device] };
    return { ready: true, reason: `${router.iface} up; ${daemon.detail}`, devices: [device] };
  }

  /**
   * Advertised: what the router actually forwards from the tailnet. Enabled: what the client accepts from it.
   */
  async routerRoutes(): Promise<RouterRoutes> {
    const { router, client } = this.plan.tailnet.peers;
    const forward = await mustRunIn(router.namespace, ['iptables', '-w', '-S', 'FORWARD']);
    const allowed = parseAllowedIps(await this.wgShow(client, 'allowed-ips'));
    const accepted = allowed.get(await this.publicKey('router')) ?? [];
    return {
      device: router.hostname,
      advertised: forwardedRoutes(forward, router.iface),
      enabled: accepted.filter((cidr) => cidr !== `${router.tailnetIp}/32`),
    };
  }

  async splitDns(): Promise<Record<string, string[]>> {
    return parseSplitDns(
      await readLabFile(statePaths.config(this.plan, 'client-dns.conf'), "the client's resolver"),
    );
  }

  runOnClient(script: string, options: RunOptions = {}): Promise<CommandResult> {
    return runIn(this.plan.namespaces.client, ['bash', '-c', script], {
      timeoutMs: options.timeoutMs ?? SCRIPT_TIMEOUT_MS,
    });
  }

  runInCluster(script: string, options: RunOptions = {}): Promise<CommandResult> {
    return runIn(this.plan.namespaces.netshoot, ['bash', '-c', script], {
      timeoutMs: options.timeoutMs ?? SCRIPT_TIMEOUT_MS,
    });
  }

  pathToRouter(): Promise<PathInfo> {
    return this.pathFromClient('router');
  }

  pathToEgressProxy(): Promise<PathInfo> {
    return this.pathFromClient('egress');
  }

  startThroughputServer(
    scenario: DataPlaneScenario,
    options: ThroughputServerOptions,
  ): Promise<ThroughputServer> {
    return startThroughputServerIn(throughputTarget(this.lab, this.plan, scenario), options);
  }

  async tunnelMtu(): Promise<number> {
    const { client } = this.plan.tailnet.peers;
    return parseLinkMtu(await mustRunIn(client.namespace, ['ip', '-j', 'link', 'show', 'dev', client.iface]));
  }

  async egressStatus(): Promise<EgressStatus> {
    const { egress, client } = this.plan.tailnet.peers;
    const rules = await runIn(egress.namespace, ['iptables', '-w', '-t', 'nat', '-S', 'PREROUTING']);
    const dnat = rules.exitCode === 0 && rules.stdout.includes(`--to-destination ${client.tailnetIp}:80`);
    return {
      ready: dnat,
      externalName: this.lab.workloads.egressFqdn,
      conditions: [
        {
          type: 'TailscaleProxyReady',
          status: dnat ? 'True' : 'False',
          reason: dnat ? 'ProxyCreated' : rules.exitCode === 0 ? 'ProxyPending' : 'ProxyFailed',
        },
      ],
    };
  }

  /**
   * The local analog of exposure: an address no part of the plan accounts for (reported as a public IP), and
   * a lab process listening in the root namespace, i.e. reachable from outside the lab (reported as a load
   * balancer).
   */
  async exposure(): Promise<ExposureFacts> {
    const expected = this.plannedAddresses();
    const publicIps: string[] = [];
    for (const namespace of await this.labNamespaces()) {
      const addrs = await runIn(namespace, ['ip', '-j', 'addr', 'show']);
      if (addrs.exitCode !== 0) continue;
      for (const link of JSON.parse(addrs.stdout) as { ifname: string; addr_info?: { local?: string }[] }[]) {
        for (const { local } of link.addr_info ?? []) {
          if (local && !expected.has(local)) publicIps.push(`${namespace}/${link.ifname}: ${local}`);
        }
      }
    }
    const rootNs = (await stat('/proc/self/ns/net')).ino;
    const loadBalancerServices: string[] = [];
    for (const name of Object.keys(DAEMONS) as DaemonName[]) {
      const pid = await this.readPid(name);
      const ns = pid === undefined ? undefined : await stat(`/proc/${pid}/ns/net`).catch(() => undefined);
      if (ns?.ino === rootNs)
        loadBalancerServices.push(`${name} (pid ${pid}) runs in the root network namespace`);
    }
    return { loadBalancerServices, publicApiEndpoint: false, publicIps };
  }

  capturePath(scenario: 'subnet-router' | 'egress', during: () => Promise<void>): Promise<HopCapture[]> {
    return captureHops(scenario === 'subnet-router' ? this.subnetRouterHops() : this.egressHops(), during);
  }

  /** Client → tunnel → router (SNAT to its pod IP) → node (DNAT of the ClusterIP) → nginx pod. */
  private subnetRouterHops(): CaptureHop[] {
    const { client, router } = this.plan.tailnet.peers;
    return [
      {
        hop: `client/${client.iface}`,
        namespace: client.namespace,
        iface: client.iface,
        filter: LAB_TRAFFIC,
      },
      { hop: 'client/eth0', namespace: client.namespace, iface: 'eth0', filter: this.underlayFilter() },
      {
        hop: `router/${router.iface}`,
        namespace: router.namespace,
        iface: router.iface,
        filter: LAB_TRAFFIC,
      },
      {
        hop: 'router/eth0',
        namespace: router.namespace,
        iface: 'eth0',
        filter: `${LAB_TRAFFIC} and not (${this.underlayFilter()})`,
      },
      { hop: 'nginx/eth0', namespace: this.plan.namespaces.nginx, iface: 'eth0', filter: LAB_TRAFFIC },
    ];
  }

  /**
   * netshoot → node (DNAT to the egress pod) → egress proxy (DNAT to the client, SNAT to itself) → tunnel →
   * client.
   */
  private egressHops(): CaptureHop[] {
    const { client, egress } = this.plan.tailnet.peers;
    return [
      { hop: 'netshoot/eth0', namespace: this.plan.namespaces.netshoot, iface: 'eth0', filter: LAB_TRAFFIC },
      {
        hop: 'egress/eth0',
        namespace: egress.namespace,
        iface: 'eth0',
        filter: `${LAB_TRAFFIC} and not (${this.underlayFilter()})`,
      },
      {
        hop: `egress/${egress.iface}`,
        namespace: egress.namespace,
        iface: egress.iface,
        filter: LAB_TRAFFIC,
      },
      {
        hop: `client/${client.iface}`,
        namespace: client.namespace,
        iface: client.iface,
        filter: LAB_TRAFFIC,
      },
    ];
  }

  /** The client's WireGuard view of a peer (handshake, endpoint) and a round trip through the tunnel to it. */
  private async pathFromClient(peer: 'router' | 'egress'): Promise<PathInfo> {
    const { client } = this.plan.tailnet.peers;
    const far = this.plan.tailnet.peers[peer];
    const key = await this.publicKey(peer);
    const handshake = parseLatestHandshakes(await this.wgShow(client, 'latest-handshakes')).get(key) ?? 0;
    const endpoint = parseEndpoints(await this.wgShow(client, 'endpoints')).get(key);
    const name = peer === 'router' ? 'the router' : 'the egress proxy';
    if (handshake === 0) {
      return {
        mode: 'unknown',
        detail: `no WireGuard handshake with ${name} yet (endpoint ${endpoint ?? 'none'})`,
      };
    }
    const age = Math.max(0, Math.round(Date.now() / 1000 - handshake));
    const latencyMs = await this.tcpRtt(client.namespace, far.tailnetIp);
    // The local mesh has no relays: a handshake means packets went straight over the VPC underlay.
    return {
      mode: 'direct',
      ...(latencyMs === undefined ? {} : { latencyMs }),
      detail: `handshake ${age}s ago with ${endpoint ?? 'unknown endpoint'}; round trip by TCP SYN/RST to ${far.tailnetIp}`,
    };
  }

  private underlayFilter(): string {
    return PEERS.map((peer) => `udp port ${this.plan.tailnet.peers[peer].listenPort}`).join(' or ');
  }

  private plannedAddresses(): Set<string> {
    const { plan } = this;
    return new Set([
      '127.0.0.1',
      POD_GATEWAY_IP,
      plan.vpc.clientGatewayIp,
      plan.vpc.clusterGatewayIp,
      plan.clientIp,
      plan.nodeIp,
      ...Object.values(plan.podIps),
      ...PEERS.map((peer) => plan.tailnet.peers[peer].tailnetIp),
    ]);
  }

  private async labNamespaces(): Promise<string[]> {
    const list = await runProgram(['ip', 'netns', 'list']);
    const prefix = namespacePrefix(this.lab);
    return list.stdout
      .split('\n')
      .map((line) => line.split(' ')[0] ?? '')
      .filter((name) => name.startsWith(prefix));
  }

  private async daemonIn(name: DaemonName, namespace: string): Promise<{ alive: boolean; detail: string }> {
    const pid = await this.readPid(name);
    if (pid === undefined) return { alive: false, detail: `no pid file for ${name}` };
    const [procNs, wanted] = await Promise.all([
      stat(`/proc/${pid}/ns/net`).catch(() => undefined),
      stat(`/run/netns/${namespace}`).catch(() => undefined),
    ]);
    if (!procNs) return { alive: false, detail: `${name} (pid ${pid}) is not running` };
    if (!wanted || procNs.ino !== wanted.ino)
      return { alive: false, detail: `${name} (pid ${pid}) is not in ${namespace}` };
    return { alive: true, detail: `${name} pid ${pid} running in ${namespace}` };
  }

  private async readPid(name: DaemonName): Promise<number | undefined> {
    const text = await readFile(statePaths.pidFile(this.plan, name), 'utf8').catch(() => '');
    const pid = Number.parseInt(text.trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  private async publicKey(peer: Peer): Promise<string> {
    return (await readLabFile(statePaths.publicKey(this.plan, peer), `the ${peer}'s public key`)).trim();
  }

  private wgShow(peer: LocalPlan['tailnet']['peers'][Peer], field: string): Promise<string> {
    return mustRunIn(peer.namespace, ['wg', 'show', peer.iface, field]);
  }

  /**
   * Round trip to a tailnet address through the tunnel, timed inside the namespace: a TCP SYN to a closed
   * port answered by RST (the lab packages carry no ping). The best of a few samples, in milliseconds.
   */
  private async tcpRtt(namespace: string, address: string): Promise<number | undefined> {
    const script = [
      'export LC_ALL=C',
      `for i in $(seq 1 ${RTT_SAMPLES}); do`,
      '  start=$EPOCHREALTIME',
      `  (exec 3<>/dev/tcp/${address}/9) 2>/dev/null`,
      '  echo "$start $EPOCHREALTIME"',
      'done',
    ].join('\n');
    const result = await runIn(namespace, ['bash', '-c', script], { timeoutMs: 5_000 });
    const samples = result.stdout
      .split('\n')
      .map((line) => line.split(' ').map(Number))
      .filter((pair): pair is [number, number] => pair.length === 2 && pair.every(Number.isFinite))
      .map(([start, end]) => (end - start) * 1000);
    return samples.length ? Math.round(Math.min(...samples) * 1000) / 1000 : undefined;
  }
}

/**
 * Destinations of the ACCEPT rules for traffic coming in from the tailnet interface (`iptables -S FORWARD`).
 */
export function forwardedRoutes(rules: string, iface: string): string[] {
  return rules
    .split('\n')
    .filter((rule) => rule.includes(` -i ${iface} `) && / -j ACCEPT$/.test(rule.trim()))
    .flatMap((rule) => {
      const destination = / -d (\S+)/.exec(rule)?.[1];
      return destination ? [destination] : [];
    });
}

/** The MTU of the one link in `ip -j link show dev <if>`. */
export function parseLinkMtu(json: string): number {
  let links: unknown;
  try {
    links = JSON.parse(json);
  } catch {
    links = undefined;
  }
  const mtu = Array.isArray(links) && links.length === 1 ? (links[0] as { mtu?: unknown }).mtu : undefined;
  if (typeof mtu !== 'number' || !Number.isInteger(mtu) || mtu <= 0)
    throw new Error(`ip link reported no MTU for one link: ${json.trim().slice(0, 200)}`);
  return mtu;
}

async function readLabFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Could not read ${what} (${path}); is the local lab up? ${reason}`, { cause: error });
  }
}
