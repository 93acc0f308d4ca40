// The tailnet side of the local lab: three wireguard-go devices in one mesh over the VPC underlay. The
// Connector routes into the cluster, the client accepts its routes and resolves the cluster zone through it,
// and the egress proxy carries cluster traffic to the client.
import type { LabConfig } from '../../src/lab/config.ts';
import { THROUGHPUT_PORT } from '../../src/lab/measurement.ts';
import { splitDnsConfig } from './app-configs.ts';
import { podNetwork } from './cluster-pieces.ts';
import { listening, startNginx, STARTUP_TIMEOUT_S } from './daemons.ts';
import { statePaths, type LocalPlan, type Peer, type PeerPlan } from './plan.ts';
import {
  createNamespace,
  destroyNamespace,
  removePath,
  sh,
  shq,
  startDaemon,
  waitUntil,
  writeFile,
} from './shell.ts';
import type { TopologyPiece } from './topology.ts';

const HANDSHAKE_TIMEOUT_S = 10;
/** Tailscale keeps NAT mappings alive at about this interval; here it also starts each handshake at once. */
const KEEPALIVE_S = 25;
const WG_FOREGROUND = 'WG_PROCESS_FOREGROUND';
/** tailscaled's policy routing on Linux: its routes in table 52, its own packets marked to bypass them. */
export const TAILNET_ROUTE_TABLE = '52';
const TAILNET_RULE_PREF = '5270';
const TAILNET_FWMARK = '0x80000';
const TAILNET_FWMARK_MATCH = `${TAILNET_FWMARK}/0xff0000`;

/**
 * The Connector: a tailnet device forwarding to the pod and Service CIDRs it advertises, masquerading as its
 * pod IP (Tailscale's subnet-router SNAT), and refusing to forward anywhere else.
 */
export function routerPiece(lab: LabConfig, plan: LocalPlan): TopologyPiece {
  const ns = plan.namespaces.router;
  const { router } = plan.tailnet.peers;
  const iptables = (rule: string) => `${sh`ip netns exec ${ns}`} iptables -w ${rule}`;
  return {
    id: 'router',
    create: [
      ...podNetwork(plan, 'router', ['net.ipv4.ip_forward=1']),
      ...joinTailnet(plan, 'router', [{ peer: 'client' }, { peer: 'egress' }]),
      iptables('-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'),
      ...lab.tailnet.connectorRoutes.map((route) =>
        iptables(sh`-A FORWARD -i ${router.iface} -o eth0 -d ${route} -j ACCEPT`),
      ),
      iptables(sh`-A FORWARD -i ${router.iface} -j DROP`),
      iptables(sh`-t nat -A POSTROUTING -s ${plan.tailnet.cidr} -o eth0 -j MASQUERADE`),
    ],
    destroy: [...destroyNamespace(ns), removePath(statePaths.wgSocket(router))],
  };
}

/**
 * The EC2 client: on its own subnet, on the tailnet with accepted routes, split DNS to kube-dns, and nginx in
 * host mode so cluster traffic arriving through the egress proxy shows its real source.
 */
export function clientPiece(lab: LabConfig, plan: LocalPlan): TopologyPiece {
  const { client, vpc } = plan.namespaces;
  const peer = plan.tailnet.peers.client;
  const dnsConf = statePaths.config(plan, 'client-dns.conf');
  const dnsPid = statePaths.pidFile(plan, 'client-dns');
  const dnsLog = statePaths.logFile(plan, 'client-dns');
  return {
    id: 'client',
    create: [
      ...createNamespace(client),
      sh`ip link add eth0 netns ${client} type veth peer name client0 netns ${vpc}`,
      sh`ip -n ${vpc} addr add ${`${plan.vpc.clientGatewayIp}/${plan.clientPrefix}`} dev client0`,
      sh`ip -n ${vpc} link set client0 up`,
      sh`ip -n ${client} addr add ${`${plan.clientIp}/${plan.clientPrefix}`} dev eth0`,
      sh`ip -n ${client} link set eth0 up`,
      sh`ip -n ${client} route add default via ${plan.vpc.clientGatewayIp}`,
      ...joinTailnet(plan, 'client', [
        { peer: 'router', routes: lab.tailnet.connectorRoutes },
        { peer: 'egress' },
      ]),
      // Accepted routes go in their own table, consulted for everything but WireGuard's own (marked) packets,
      // as tailscaled does: the pod subnets hold the router's underlay address too, and must not loop into
      // the tunnel.
      ...lab.tailnet.connectorRoutes.map(
        (route) => sh`ip -n ${client} route add ${route} dev ${peer.iface} table ${TAILNET_ROUTE_TABLE}`,
      ),
      sh`ip -n ${client} rule add not fwmark ${TAILNET_FWMARK_MATCH} table ${TAILNET_ROUTE_TABLE} pref ${TAILNET_RULE_PREF}`,
      writeFile(dnsConf, splitDnsConfig(lab, plan, dnsPid)),
      ...startDaemon(client, ['dnsmasq', `--conf-file=${dnsConf}`], dnsPid, dnsLog),
      waitUntil(
        listening(client, 'udp', 53),
        'the client resolver (dnsmasq) to listen on :53',
        STARTUP_TIMEOUT_S,
        dnsLog,
      ),
      sh`mkdir -p ${`/etc/netns/${client}`}`,
      writeFile(statePaths.resolvConf(client), 'nameserver 127.0.0.1', '0644'),
      ...startNginx(plan, client, 'client-nginx', plan.nonces.client),
    ],
    destroy: [
      ...destroyNamespace(client),
      removePath(statePaths.wgSocket(peer)),
      removePath(`/etc/netns/${client}`),
    ],
  };
}

/**
 * The egress proxy the operator creates for the ExternalName Service: traffic to its pod on :80 (and on the
 * throughput port) goes to the client's tailnet address, from the proxy's own tailnet address. It joins last,
 * so its piece waits for the mesh to handshake.
 */
export function egressPiece(plan: LocalPlan): TopologyPiece {
  const ns = plan.namespaces.egress;
  const { egress, client, router } = plan.tailnet.peers;
  const nat = (rule: string) => `${sh`ip netns exec ${ns}`} iptables -w -t nat ${rule}`;
  const handshakes = (peer: PeerPlan) =>
    `[ "$(${sh`ip netns exec ${peer.namespace} wg show ${peer.iface} latest-handshakes`} | awk '$2 != 0' | wc -l)" -eq 2 ]`;
  return {
    id: 'egress',
    create: [
      ...podNetwork(plan, 'egress', ['net.ipv4.ip_forward=1']),
      ...joinTailnet(plan, 'egress', [{ peer: 'client' }, { peer: 'router' }]),
      // HTTP, and iperf3 for the throughput measurement: the only ports the proxy carries to the client.
      ...[80, THROUGHPUT_PORT].map((port) =>
        nat(
          sh`-A PREROUTING -i eth0 -p tcp --dport ${port} -j DNAT --to-destination ${`${client.tailnetIp}:${port}`}`,
        ),
      ),
      nat(sh`-A POSTROUTING -o ${egress.iface} -j SNAT --to-source ${egress.tailnetIp}`),
      waitUntil(
        handshakes(client),
        'WireGuard handshakes between the client and both cluster devices',
        HANDSHAKE_TIMEOUT_S,
      ),
      waitUntil(
        handshakes(router),
        'WireGuard handshakes between the router and both peers',
        HANDSHAKE_TIMEOUT_S,
      ),
    ],
    destroy: [...destroyNamespace(ns), removePath(statePaths.wgSocket(egress))],
  };
}

/**
 * Brings up a device's WireGuard interface with every other device as a peer over the VPC underlay. `routes`
 * are the subnet routes this device accepts from that peer: WireGuard's AllowedIPs are Tailscale's approved
 * routes.
 */
function joinTailnet(plan: LocalPlan, self: Peer, peers: { peer: Peer; routes?: string[] }[]): string[] {
  const me = plan.tailnet.peers[self];
  const daemon = `wireguard-${self}` as const;
  const pid = statePaths.pidFile(plan, daemon);
  const log = statePaths.logFile(plan, daemon);
  const peerArgs = peers.map(({ peer, routes = [] }) => {
    const other = plan.tailnet.peers[peer];
    return [
      `peer "$(cat ${shq(statePaths.publicKey(plan, peer))})"`,
      sh`endpoint ${`${other.underlayIp}:${other.listenPort}`}`,
      sh`allowed-ips ${[`${other.tailnetIp}/32`, ...routes].join(',')}`,
      sh`persistent-keepalive ${KEEPALIVE_S}`,
    ].join(' ');
  });
  return [
    // wireguard-go's own foreground marker: it also skips the banner urging the kernel module, which is not
    // here.
    ...startDaemon(me.namespace, ['env', `${WG_FOREGROUND}=1`, 'wireguard-go', '-f', me.iface], pid, log),
    waitUntil(
      sh`[ -S ${statePaths.wgSocket(me)} ] && ip -n ${me.namespace} link show ${me.iface} >/dev/null 2>&1`,
      `wireguard-go to create ${me.iface}`,
      STARTUP_TIMEOUT_S,
      log,
    ),
    [
      sh`ip netns exec ${me.namespace} wg set ${me.iface} listen-port ${me.listenPort} fwmark ${TAILNET_FWMARK}`,
      sh`private-key ${statePaths.privateKey(plan, self)}`,
      ...peerArgs,
    ].join(' '),
    sh`ip -n ${me.namespace} addr add ${`${me.tailnetIp}/${plan.tailnet.prefix}`} dev ${me.iface}`,
    sh`ip -n ${me.namespace} link set ${me.iface} up`,
  ];
}
