import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contains, parseCidr } from '../../../src/lab/cidr.ts';
import { resolveLab, type LabConfig } from '../../../src/lab/config.ts';
import { THROUGHPUT_PORT } from '../../../src/lab/measurement.ts';
import { kubeDnsConfig, parseSplitDns, splitDnsConfig } from '../../../infra/local/app-configs.ts';
import { clientNonce, localPlan, NAMESPACE_ROLES, PEERS, POD_ROLES } from '../../../infra/local/plan.ts';
import { shq } from '../../../infra/local/shell.ts';
import { TAILNET_ROUTE_TABLE } from '../../../infra/local/tailnet-pieces.ts';
import {
  createScript,
  destroyScript,
  localTopology,
  type TopologyPiece,
} from '../../../infra/local/topology.ts';

const NOW = new Date('2026-01-01T00:00:00Z');
const lab = (id: string, extra: Record<string, unknown> = {}): LabConfig =>
  resolveLab({ lab: id, target: 'local', ...extra }, { now: NOW, localStateDir: '/var/lib/tslab-test' });
const demo = lab('demo');
const labIds = fc.stringMatching(/^[a-z](?:[a-z0-9]{0,18}[a-z0-9])?$/);

const lines = (commands: string[]) => commands.flatMap((command) => command.split('\n'));
const namespacesAdded = (commands: string[]) =>
  lines(commands).flatMap((line) => [...line.matchAll(/^ip netns add (\S+)$/g)].map((m) => m[1]!));
/** Every namespace a command names: `ip netns add|exec X`, `ip -n X`, `... netns X` (veth ends). */
const namespacesNamed = (commands: string[]) =>
  lines(commands).flatMap((line) =>
    [...line.matchAll(/(?:ip netns (?:add|exec|pids|del)|ip -n| netns) '?([^\s')]+)/g)].map((m) => m[1]!),
  );

function inside(cidr: string, address: string): boolean {
  return contains(parseCidr(cidr), parseCidr(`${address}/32`));
}

describe('local topology plan', () => {
  it('names every namespace it touches with the tslab-<lab>- prefix', () => {
    fc.assert(
      fc.property(labIds, (id) => {
        const pieces = localTopology(lab(id));
        const named = pieces.flatMap((p) => [...namespacesNamed(p.create), ...namespacesNamed(p.destroy)]);
        expect(named.length).toBeGreaterThan(0);
        for (const ns of named) expect(ns.startsWith(`tslab-${id}-`), ns).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('creates one namespace per role, each deleted by the destroy of the piece that added it', () => {
    const pieces = localTopology(demo);
    const added = pieces.flatMap((p) => namespacesAdded(p.create));
    expect(added.sort()).toEqual(NAMESPACE_ROLES.map((role) => `tslab-demo-${role}`).sort());
    for (const piece of pieces) {
      for (const ns of namespacesAdded(piece.create)) {
        expect(piece.destroy, `${piece.id} must delete ${ns}`).toContain(
          `ip netns del ${ns} 2>/dev/null || true`,
        );
        const killAt = piece.destroy.findIndex((c) => c.startsWith(`kill $(ip netns pids ${ns} `));
        expect(killAt, `${piece.id} kills ${ns}'s processes before deleting it`).toBeGreaterThanOrEqual(0);
        expect(killAt).toBeLessThan(piece.destroy.indexOf(`ip netns del ${ns} 2>/dev/null || true`));
      }
    }
  });

  it('gives every piece a destroy whose every command cannot fail', () => {
    for (const piece of localTopology(demo)) {
      expect(piece.create.length, piece.id).toBeGreaterThan(0);
      expect(piece.destroy.length, piece.id).toBeGreaterThan(0);
      for (const command of piece.destroy) expect(command, piece.id).toMatch(/\|\| true$/);
      expect(destroyScript(piece).endsWith('\nexit 0')).toBe(true);
    }
  });

  it('refers only to namespaces created by the same or an earlier piece', () => {
    const created = new Set<string>();
    for (const piece of localTopology(demo)) {
      for (const ns of namespacesAdded(piece.create)) created.add(ns);
      for (const ns of namespacesNamed(piece.create))
        expect(created.has(ns), `${piece.id} uses ${ns}`).toBe(true);
    }
  });

  it('puts nothing in the root namespace: links are born in namespaces and programs run inside them', () => {
    for (const line of localTopology(demo).flatMap((p) => lines(p.create))) {
      if (/^ip link add /.test(line)) {
        expect(line).toMatch(/^ip link add \S+ netns \S+ type veth peer name \S+ netns \S+$/);
      } else if (/^ip (?!netns |-n )/.test(line)) {
        throw new Error(`root-namespace ip command: ${line}`);
      }
      expect(line, 'a program started in the root namespace').not.toMatch(
        /^(?:iptables|sysctl|wireguard-go|dnsmasq|nginx|wg|tcpdump|setsid|env)\b/,
      );
      if (line.includes(' setsid ')) expect(line).toMatch(/^ip netns exec tslab-demo-\S+ setsid /);
    }
  });

  it('takes every address from the lab: pods in the first cluster subnet, Services in the service CIDR', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 63 }), (slot) => {
        const config = lab('addr', { slot });
        const plan = localPlan(config);
        for (const pod of POD_ROLES)
          expect(inside(config.network.clusterSubnets[0], plan.podIps[pod])).toBe(true);
        expect(inside(config.network.clusterSubnets[0], plan.nodeIp)).toBe(true);
        expect(inside(config.network.clientSubnet, plan.clientIp)).toBe(true);
        expect(plan.services.kubeDns).toBe(config.network.kubeDnsIp);
        expect(plan.services.nginx).toBe(config.workloads.nginxClusterIp);
        for (const ip of Object.values(plan.services))
          expect(inside(config.network.serviceCidr, ip)).toBe(true);
        for (const peer of PEERS)
          expect(inside(`100.100.${slot}.0/24`, plan.tailnet.peers[peer].tailnetIp)).toBe(true);
        const all = [
          plan.nodeIp,
          plan.clientIp,
          ...Object.values(plan.podIps),
          ...Object.values(plan.services),
        ];
        expect(new Set(all).size).toBe(all.length);
      }),
      { numRuns: 64 },
    );
  });

  it('keeps WireGuard interface names within 15 characters and distinct between labs', () => {
    fc.assert(
      fc.property(labIds, labIds, (a, b) => {
        fc.pre(a !== b);
        const ifaces = (id: string) => PEERS.map((peer) => localPlan(lab(id)).tailnet.peers[peer].iface);
        for (const iface of [...ifaces(a), ...ifaces(b)]) expect(iface.length).toBeLessThanOrEqual(15);
        expect(new Set([...ifaces(a), ...ifaces(b)]).size).toBe(6);
      }),
      { numRuns: 50 },
    );
  });

  it('lets the client accept exactly the connector routes from the router, routed into its tunnel', () => {
    const plan = localPlan(demo);
    const client = localTopology(demo).find((p) => p.id === 'client')!;
    const wgSet = client.create.find((c) => c.includes(' wg set '))!;
    const routerPeer = wgSet.slice(wgSet.indexOf('keys/router.pub'));
    const allowed = /allowed-ips (\S+)/.exec(routerPeer)![1]!.split(',');
    expect(allowed).toEqual([`${plan.tailnet.peers.router.tailnetIp}/32`, ...demo.tailnet.connectorRoutes]);
    const iface = plan.tailnet.peers.client.iface;
    const routes = client.create.filter((c) => c.startsWith('ip -n tslab-demo-client route add '));
    expect(routes).toEqual([
      'ip -n tslab-demo-client route add default via ' + plan.vpc.clientGatewayIp,
      ...demo.tailnet.connectorRoutes.map(
        (route) => `ip -n tslab-demo-client route add ${route} dev ${iface} table ${TAILNET_ROUTE_TABLE}`,
      ),
    ]);
    // The accepted routes include the pod subnet the router's underlay address is in: WireGuard's own packets
    // must skip them (fwmark) or they would loop into the tunnel.
    expect(client.create).toContain(
      `ip -n tslab-demo-client rule add not fwmark 0x80000/0xff0000 table ${TAILNET_ROUTE_TABLE} pref 5270`,
    );
    expect(wgSet).toContain(' fwmark 0x80000 ');
    expect(demo.tailnet.connectorRoutes.some((r) => inside(r, plan.tailnet.peers.router.underlayIp))).toBe(
      true,
    );
  });

  it('opens exactly HTTP and the throughput port through the egress Service and the egress proxy, TCP only', () => {
    const plan = localPlan(demo);
    const pieces = localTopology(demo);
    const create = (id: string) => lines(pieces.find((p) => p.id === id)!.create);
    const serviceDnat = create('node').filter((c) => c.includes(` -d ${plan.services.egress}/32 `));
    expect(
      serviceDnat.map((c) => / -p (\w+) --dport (\d+) .*--to-destination (\S+)$/.exec(c)?.slice(1)),
    ).toEqual([
      ['tcp', '80', `${plan.podIps.egress}:80`],
      ['tcp', `${THROUGHPUT_PORT}`, `${plan.podIps.egress}:${THROUGHPUT_PORT}`],
    ]);
    const proxyDnat = create('egress').filter((c) => c.includes(' -j DNAT '));
    const client = plan.tailnet.peers.client.tailnetIp;
    expect(
      proxyDnat.map((c) =>
        / -A PREROUTING -i eth0 -p (\w+) --dport (\d+) -j DNAT --to-destination (\S+)$/.exec(c)?.slice(1),
      ),
    ).toEqual([
      ['tcp', '80', `${client}:80`],
      ['tcp', `${THROUGHPUT_PORT}`, `${client}:${THROUGHPUT_PORT}`],
    ]);
  });

  it('resolves a relative state dir to an absolute one, since terraform runs provisioners elsewhere', () => {
    const relative = resolveLab({ lab: 'rel', target: 'local' }, { now: NOW, localStateDir: '.tslab/state' });
    expect(isAbsolute(localPlan(relative).stateDir)).toBe(true);
    expect(localPlan(relative).stateDir.endsWith('/.tslab/state/rel/local')).toBe(true);
  });

  it('serves the client a nonce of its own, distinct from the cluster nginx nonce', () => {
    expect(clientNonce(demo)).toBe(demo.workloads.clientNonce);
    expect(clientNonce(demo)).not.toBe(demo.workloads.nonce);
    const nginx = localTopology(demo)
      .find((p) => p.id === 'pod-nginx')!
      .create.join('\n');
    const client = localTopology(demo)
      .find((p) => p.id === 'client')!
      .create.join('\n');
    expect(nginx).toContain(`tslab-nonce=${demo.workloads.nonce}\\n`);
    expect(client).toContain(`tslab-nonce=${demo.workloads.clientNonce}\\n`);
  });

  it('makes kube-dns answer both Service names and the client send only the lab zone to it', () => {
    const plan = localPlan(demo);
    const kubeDns = kubeDnsConfig(demo, plan, '/run/x.pid').split('\n');
    expect(kubeDns).toContain(
      `host-record=nginx.tslab.svc.cluster.local,${demo.workloads.nginxFqdn},${plan.services.nginx}`,
    );
    expect(kubeDns).toContain(`host-record=${demo.workloads.egressFqdn},${plan.services.egress}`);
    expect(parseSplitDns(splitDnsConfig(demo, plan, '/run/x.pid'))).toEqual({
      [demo.cluster.dnsDomain]: [demo.network.kubeDnsIp],
    });
  });
});

describe('piece scripts', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'tslab-piece-'));
  const bash = (script: string) => spawnSync('bash', ['-c', script], { encoding: 'utf8' });

  it('undoes a piece whose creation fails part-way, and exits non-zero', () => {
    const d = dir();
    const piece: TopologyPiece = {
      id: 'half',
      create: [`touch ${d}/made`, 'false', `touch ${d}/never`],
      destroy: [`rm -f ${d}/made 2>/dev/null || true`],
    };
    const result = bash(createScript(piece));
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('creating half failed; undoing it');
    expect(existsSync(`${d}/made`)).toBe(false);
    expect(existsSync(`${d}/never`)).toBe(false);
    rmSync(d, { recursive: true, force: true });
  });

  it('keeps what a successful creation made', () => {
    const d = dir();
    const piece: TopologyPiece = {
      id: 'ok',
      create: [`touch ${d}/made`],
      destroy: [`rm -f ${d}/made || true`],
    };
    expect(bash(createScript(piece)).status).toBe(0);
    expect(existsSync(`${d}/made`)).toBe(true);
    rmSync(d, { recursive: true, force: true });
  });

  it('quotes words so bash reads them back unchanged', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ minLength: 0, maxLength: 12 }).filter((s) => !s.includes('\0')),
          { maxLength: 6 },
        ),
        (values) => {
          const result = bash(`printf '%s\\0' ${values.map(shq).join(' ')}`);
          const expected = values.length ? values : [''];
          expect(result.stdout.split('\0').slice(0, -1)).toEqual(expected);
        },
      ),
      { numRuns: 30 },
    );
  });
});
