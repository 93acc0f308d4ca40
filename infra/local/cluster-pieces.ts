// The cluster side of the local lab: the VPC router, the EKS node with kube-proxy's Service DNAT, and the
// plain pods (kube-dns, nginx, netshoot), each in its own network namespace.
import type { LabConfig } from '../../src/lab/config.ts';
import { THROUGHPUT_PORT } from '../../src/lab/measurement.ts';
import { kubeDnsConfig } from './app-configs.ts';
import { listening, startNginx, STARTUP_TIMEOUT_S } from './daemons.ts';
import { POD_GATEWAY_IP, statePaths, type LocalPlan, type PodRole } from './plan.ts';
import {
  createNamespace,
  destroyNamespace,
  removePath,
  sh,
  startDaemon,
  waitUntil,
  writeFile,
} from './shell.ts';
import type { TopologyPiece } from './topology.ts';

/** The VPC's implicit router between the client subnet and the cluster subnet. */
export function vpcPiece(plan: LocalPlan): TopologyPiece {
  const vpc = plan.namespaces.vpc;
  return {
    id: 'vpc',
    create: createNamespace(vpc, ['net.ipv4.ip_forward=1']),
    destroy: destroyNamespace(vpc),
  };
}

/**
 * The EKS node: on the cluster subnet, a bridge for its pods, and kube-proxy's Service DNAT. Pods get /32
 * addresses routed through the node (as the VPC CNI does), so even pod-to-pod Service traffic crosses the
 * node's conntrack.
 */
export function nodePiece(plan: LocalPlan): TopologyPiece {
  const { node, vpc } = plan.namespaces;
  const nat = (rule: string) => `${sh`ip netns exec ${node}`} iptables -w -t nat ${rule}`;
  const dnat = (service: string, proto: 'tcp' | 'udp', port: number, pod: string) =>
    nat(
      sh`-A TSLAB-SERVICES -d ${`${service}/32`} -p ${proto} --dport ${port} -j DNAT --to-destination ${`${pod}:${port}`}`,
    );
  return {
    id: 'node',
    create: [
      ...createNamespace(node, [
        'net.ipv4.ip_forward=1',
        // A pod's Service traffic leaves the node by the bridge it came in on; a redirect would let pods skip
        // the node.
        'net.ipv4.conf.all.send_redirects=0',
        'net.ipv4.conf.default.send_redirects=0',
      ]),
      sh`ip link add eth0 netns ${node} type veth peer name node0 netns ${vpc}`,
      sh`ip -n ${vpc} addr add ${`${plan.vpc.clusterGatewayIp}/${plan.clusterPrefix}`} dev node0`,
      sh`ip -n ${vpc} link set node0 up`,
      sh`ip -n ${node} addr add ${`${plan.nodeIp}/${plan.clusterPrefix}`} dev eth0`,
      sh`ip -n ${node} link set eth0 up`,
      sh`ip -n ${node} route add default via ${plan.vpc.clusterGatewayIp}`,
      sh`ip -n ${node} link add br0 type bridge`,
      sh`ip -n ${node} addr add ${`${POD_GATEWAY_IP}/32`} dev br0`,
      sh`ip -n ${node} link set br0 up`,
      // The VPC sends the node's secondary IPs (its pods' addresses) to the node, as AWS does for an ENI.
      ...Object.values(plan.podIps).map((ip) => sh`ip -n ${vpc} route add ${`${ip}/32`} via ${plan.nodeIp}`),
      nat('-N TSLAB-SERVICES'),
      nat('-A PREROUTING -j TSLAB-SERVICES'),
      nat('-A OUTPUT -j TSLAB-SERVICES'),
      dnat(plan.services.nginx, 'tcp', 80, plan.podIps.nginx),
      dnat(plan.services.kubeDns, 'udp', 53, plan.podIps.kubedns),
      dnat(plan.services.kubeDns, 'tcp', 53, plan.podIps.kubedns),
      dnat(plan.services.egress, 'tcp', 80, plan.podIps.egress),
      // The egress Service also carries the throughput measurement's port, and no other.
      dnat(plan.services.egress, 'tcp', THROUGHPUT_PORT, plan.podIps.egress),
    ],
    destroy: destroyNamespace(node),
  };
}

/** A pod: its own namespace, a veth on the node's bridge, a /32 address and the node as its gateway. */
export function podNetwork(plan: LocalPlan, pod: PodRole, sysctls: string[] = []): string[] {
  const ns = plan.namespaces[pod];
  const node = plan.namespaces.node;
  const hostSide = `v${pod}`;
  const podIp = plan.podIps[pod];
  return [
    ...createNamespace(ns, sysctls),
    sh`ip link add ${hostSide} netns ${node} type veth peer name eth0 netns ${ns}`,
    sh`ip -n ${node} link set ${hostSide} master br0 up`,
    sh`ip -n ${ns} addr add ${`${podIp}/32`} dev eth0`,
    sh`ip -n ${ns} link set eth0 up`,
    sh`ip -n ${ns} route add default via ${POD_GATEWAY_IP} dev eth0 onlink`,
    sh`ip -n ${node} route add ${`${podIp}/32`} dev br0`,
  ];
}

export function kubeDnsPiece(lab: LabConfig, plan: LocalPlan): TopologyPiece {
  const ns = plan.namespaces.kubedns;
  const conf = statePaths.config(plan, 'kubedns.conf');
  const pid = statePaths.pidFile(plan, 'kubedns');
  const log = statePaths.logFile(plan, 'kubedns');
  return {
    id: 'pod-kubedns',
    create: [
      ...podNetwork(plan, 'kubedns'),
      writeFile(conf, kubeDnsConfig(lab, plan, pid)),
      ...startDaemon(ns, ['dnsmasq', `--conf-file=${conf}`], pid, log),
      waitUntil(listening(ns, 'udp', 53), 'kube-dns (dnsmasq) to listen on :53', STARTUP_TIMEOUT_S, log),
    ],
    destroy: destroyNamespace(ns),
  };
}

export function nginxPiece(plan: LocalPlan): TopologyPiece {
  return {
    id: 'pod-nginx',
    create: [
      ...podNetwork(plan, 'nginx'),
      ...startNginx(plan, plan.namespaces.nginx, 'nginx', plan.nonces.nginx),
    ],
    destroy: destroyNamespace(plan.namespaces.nginx),
  };
}

/** The test pod: curl and dig with the cluster's resolver settings. */
export function netshootPiece(lab: LabConfig, plan: LocalPlan): TopologyPiece {
  const ns = plan.namespaces.netshoot;
  const search = [`${lab.workloads.namespace}.svc.cluster.local`, 'svc.cluster.local', 'cluster.local'];
  return {
    id: 'pod-netshoot',
    create: [
      ...podNetwork(plan, 'netshoot'),
      sh`mkdir -p ${`/etc/netns/${ns}`}`,
      writeFile(
        statePaths.resolvConf(ns),
        `nameserver ${plan.services.kubeDns}\nsearch ${search.join(' ')}\noptions ndots:5`,
        '0644',
      ),
    ],
    destroy: [...destroyNamespace(ns), removePath(`/etc/netns/${ns}`)],
  };
}
