// Every name and address of the local lab, derived once from the LabConfig. The topology, the stack outputs
// and the probe all read this plan, so a name or an address exists in exactly one place.
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { hostAddress, parseCidr } from '../../src/lab/cidr.ts';
import type { LabConfig } from '../../src/lab/config.ts';

export const POD_ROLES = ['kubedns', 'nginx', 'netshoot', 'router', 'egress'] as const;
export type PodRole = (typeof POD_ROLES)[number];
export const NAMESPACE_ROLES = ['vpc', 'node', 'client', ...POD_ROLES] as const;
export type NamespaceRole = (typeof NAMESPACE_ROLES)[number];
/** The three tailnet devices: the Connector (subnet router), the egress proxy and the EC2 client. */
export const PEERS = ['router', 'egress', 'client'] as const;
export type Peer = (typeof PEERS)[number];

/** The VPC CNI's pod gateway: every pod routes through the node via this link-local address. */
export const POD_GATEWAY_IP = '169.254.1.1';
/** Tailscale's own WireGuard port for the router; the others get the next ones. */
const LISTEN_PORTS: Record<Peer, number> = { router: 41641, egress: 41642, client: 41643 };
const TAILNET_HOSTS: Record<Peer, number> = { router: 1, egress: 2, client: 3 };
const POD_HOSTS: Record<PodRole, number> = { router: 20, nginx: 21, kubedns: 22, egress: 23, netshoot: 24 };
const NODE_HOST = 10;
const CLIENT_HOST = 10;
/** AWS gives a subnet's base + 1 to the VPC router. */
const VPC_ROUTER_HOST = 1;
/** The egress Service's ClusterIP; kube-dns's and nginx's are pinned by the LabConfig. */
const EGRESS_SERVICE_HOST = 30;

export interface PeerPlan {
  peer: Peer;
  namespace: string;
  /**
   * WireGuard interface; unique per lab because wireguard-go's control socket directory is not per namespace.
   */
  iface: string;
  tailnetIp: string;
  listenPort: number;
  /** The address its WireGuard UDP packets use on the VPC underlay. */
  underlayIp: string;
  /** Tailnet hostname, as the AWS lab's device would have it. */
  hostname: string;
}

export interface LocalPlan {
  labId: string;
  /** Absolute: terraform runs the provisioners from its own working directory. */
  stateDir: string;
  namespaces: Record<NamespaceRole, string>;
  vpc: { clientGatewayIp: string; clusterGatewayIp: string };
  clientIp: string;
  clientPrefix: number;
  nodeIp: string;
  clusterPrefix: number;
  podIps: Record<PodRole, string>;
  services: { nginx: string; kubeDns: string; egress: string };
  tailnet: { cidr: string; prefix: number; peers: Record<Peer, PeerPlan> };
  nonces: { nginx: string; client: string };
}

/**
 * The nonce the client's host-mode nginx serves: distinct from the cluster nginx's, so a test knows who
 * answered.
 */
export function clientNonce(lab: LabConfig): string {
  return lab.workloads.clientNonce;
}

/** Every namespace of the lab starts with this, so cleanup and audits can find them. */
export function namespacePrefix(lab: LabConfig): string {
  return `tslab-${lab.id}-`;
}

export function localPlan(lab: LabConfig): LocalPlan {
  if (lab.state.kind !== 'local') {
    throw new Error(
      `the local lab keeps its keys and pid files on disk; lab '${lab.id}' has state kind '${lab.state.kind}'`,
    );
  }
  // A relative state dir is taken from the current directory, as the CLI and the engine's backend path are.
  const stateDir = resolve(lab.state.dir, 'local');
  const namespaces = Object.fromEntries(
    NAMESPACE_ROLES.map((role) => [role, `${namespacePrefix(lab)}${role}`]),
  ) as Record<NamespaceRole, string>;
  const clusterSubnet = parseCidr(lab.network.clusterSubnets[0]);
  const clientSubnet = parseCidr(lab.network.clientSubnet);
  const service = parseCidr(lab.network.serviceCidr);
  const tailnet = parseCidr(`100.100.${lab.slot}.0/24`);
  const podIps = Object.fromEntries(
    POD_ROLES.map((pod) => [pod, hostAddress(clusterSubnet, POD_HOSTS[pod])]),
  ) as Record<PodRole, string>;
  const clientIp = hostAddress(clientSubnet, CLIENT_HOST);
  const ifaceTag = createHash('sha256').update(lab.id).digest('hex').slice(0, 8);
  const peer = (name: Peer, underlayIp: string, hostname: string): PeerPlan => ({
    peer: name,
    namespace: namespaces[name],
    iface: `wg-${ifaceTag}-${name[0]!}`,
    tailnetIp: hostAddress(tailnet, TAILNET_HOSTS[name]),
    listenPort: LISTEN_PORTS[name],
    underlayIp,
    hostname,
  });
  return {
    labId: lab.id,
    stateDir,
    namespaces,
    vpc: {
      clientGatewayIp: hostAddress(clientSubnet, VPC_ROUTER_HOST),
      clusterGatewayIp: hostAddress(clusterSubnet, VPC_ROUTER_HOST),
    },
    clientIp,
    clientPrefix: clientSubnet.prefix,
    nodeIp: hostAddress(clusterSubnet, NODE_HOST),
    clusterPrefix: clusterSubnet.prefix,
    podIps,
    services: {
      nginx: lab.workloads.nginxClusterIp,
      kubeDns: lab.network.kubeDnsIp,
      egress: hostAddress(service, EGRESS_SERVICE_HOST),
    },
    tailnet: {
      cidr: tailnet.text,
      prefix: tailnet.prefix,
      peers: {
        router: peer('router', podIps.router, lab.tailnet.routerHostname),
        egress: peer('egress', podIps.egress, lab.tailnet.egressHostname),
        client: peer('client', clientIp, lab.client.hostname),
      },
    },
    nonces: { nginx: lab.workloads.nonce, client: clientNonce(lab) },
  };
}

/**
 * Every long-running process of the lab, by the name its pid and log files carry, and the namespace it runs
 * in.
 */
export const DAEMONS = {
  'wireguard-router': 'router',
  'wireguard-egress': 'egress',
  'wireguard-client': 'client',
  kubedns: 'kubedns',
  nginx: 'nginx',
  'client-dns': 'client',
  'client-nginx': 'client',
} as const satisfies Record<string, NamespaceRole>;
export type DaemonName = keyof typeof DAEMONS;

/** Where each long-running process keeps its pid, log and config, and where each peer's keys live. */
export const statePaths = {
  keys: (plan: LocalPlan) => `${plan.stateDir}/keys`,
  privateKey: (plan: LocalPlan, peer: Peer) => `${plan.stateDir}/keys/${peer}.key`,
  publicKey: (plan: LocalPlan, peer: Peer) => `${plan.stateDir}/keys/${peer}.pub`,
  pidFile: (plan: LocalPlan, daemon: DaemonName) => `${plan.stateDir}/run/${daemon}.pid`,
  logFile: (plan: LocalPlan, name: DaemonName | `${DaemonName}-access`) => `${plan.stateDir}/log/${name}.log`,
  config: (plan: LocalPlan, file: string) => `${plan.stateDir}/etc/${file}`,
  /** wireguard-go's control socket: a fixed directory shared by every network namespace. */
  wgSocket: (peer: PeerPlan) => `/var/run/wireguard/${peer.iface}.sock`,
  /** `ip netns exec` bind-mounts this over /etc/resolv.conf inside the namespace. */
  resolvConf: (namespace: string) => `/etc/netns/${namespace}/resolv.conf`,
};
