import { describe, expect, it } from 'vitest';
import { connectorManifest } from '../../../infra/manifests/connector.ts';
import { operatorHelmValues } from '../../../infra/manifests/operator-values.ts';
import { proxyGroupManifest } from '../../../infra/manifests/proxy-group.ts';
import {
  buildTailnetPolicy,
  CI_RUNNER_TAG,
  type TailnetPolicy,
} from '../../../infra/manifests/tailnet-policy.ts';
import { CI_OAUTH_SCOPES, OPERATOR_OAUTH_SCOPES } from '../../../infra/stacks/tailnet-policy-stack.ts';
import { resolveLab, type LabConfig } from '../../../src/lab/config.ts';
import { slotServiceCidr, slotVpcCidr } from '../../../src/lab/address-plan.ts';
import { contains, parseCidr } from '../../../src/lab/cidr.ts';
import { THROUGHPUT_PORT } from '../../../src/lab/measurement.ts';
import { SLOT_COUNT } from '../../../src/lab/schema.ts';
import { allows } from './policy-evaluator.ts';

const NOW = new Date('2026-01-01T00:00:00Z');
const policy = buildTailnetPolicy();
const labCache = new Map<number, LabConfig>();
function labInSlot(slot: number): LabConfig {
  if (!labCache.has(slot)) labCache.set(slot, resolveLab({ lab: `lab-${slot}`, slot }, { now: NOW }));
  return labCache.get(slot)!;
}
const SLOTS = Array.from({ length: SLOT_COUNT }, (_, slot) => slot);
const TAG = /^tag:[a-zA-Z][a-zA-Z0-9-]*$/;

/** Every tag a lab's devices and credentials carry, wherever it is set. */
function tagsUsedByLab(lab: LabConfig): string[] {
  const values = operatorHelmValues(lab, { clientId: 'id' });
  return [
    ...connectorManifest(lab).spec.tags,
    ...proxyGroupManifest(lab).spec.tags,
    ...values.operatorConfig.defaultTags,
    ...values.proxyConfig.defaultTags.split(','),
    // The client's cloud-init: tailscale up --advertise-tags=<client tag>,<slot tag>.
    lab.tailnet.clientTag,
    lab.tailnet.slotTag,
    // The OAuth clients of the tailnet-policy stack.
    lab.tailnet.operatorTag,
    CI_RUNNER_TAG,
  ];
}

function tagsInPolicy(p: TailnetPolicy): string[] {
  const selectors = [
    ...Object.values(p.tagOwners).flat(),
    ...Object.values(p.autoApprovers.routes).flat(),
    ...p.grants.flatMap((g) => [...g.src, ...g.dst]),
    ...p.ssh.flatMap((r) => [...r.src, ...r.dst]),
  ];
  return selectors.filter((s) => s.startsWith('tag:'));
}

describe('tailnet policy', () => {
  it('is plain JSON that survives a round trip unchanged', () => {
    expect(JSON.parse(JSON.stringify(policy))).toEqual(policy);
  });

  it('declares every tag it uses and every tag a lab or a credential carries, in any slot', () => {
    const declared = Object.keys(policy.tagOwners);
    for (const tag of declared) expect(tag).toMatch(TAG);
    for (const tag of tagsInPolicy(policy)) expect(declared, tag).toContain(tag);
    for (const slot of SLOTS) {
      for (const tag of tagsUsedByLab(labInSlot(slot)))
        expect(declared, `slot ${slot}: ${tag}`).toContain(tag);
    }
  });

  it('lets each slot\u2019s operator mint its proxies\u2019 tags and CI mint the client\u2019s and the identities\u2019', () => {
    const lab = labInSlot(7);
    const owners = policy.tagOwners;
    expect(lab.tailnet.operatorTag).toBe('tag:tslab-s7-operator');
    expect(owners[lab.tailnet.proxyTag]).toContain(lab.tailnet.operatorTag);
    expect(owners[lab.tailnet.slotTag]).toEqual([lab.tailnet.operatorTag, CI_RUNNER_TAG]);
    expect(owners[lab.tailnet.clientTag]).toEqual([CI_RUNNER_TAG]);
    expect(owners[lab.tailnet.operatorTag]).toEqual([CI_RUNNER_TAG]);
    expect(owners[CI_RUNNER_TAG]).toEqual([]);
    expect(owners['tag:k8s-operator']).toBeUndefined();
  });

  /** Tags a credential carrying `tags` may put on a key or a device: its own, and every tag they own. */
  function mintable(p: TailnetPolicy, tags: string[]): Set<string> {
    const result = new Set(tags);
    for (const [tag, owners] of Object.entries(p.tagOwners)) {
      if (owners.some((owner) => tags.includes(owner))) result.add(tag);
    }
    return result;
  }

  /** Routes the policy approves for a device carrying any of `tags`. */
  function approvedRoutes(p: TailnetPolicy, tags: Set<string>): string[] {
    return Object.entries(p.autoApprovers.routes)
      .filter(([, approvers]) => approvers.some((approver) => tags.has(approver)))
      .map(([route]) => route);
  }

  /** The credentials a lab holds inside it: its operator's identity and the client's (spent) auth key. */
  function credentialsInside(lab: LabConfig): { name: string; tags: string[] }[] {
    return [
      { name: `slot ${lab.slot} operator identity`, tags: [lab.tailnet.operatorTag] },
      { name: `slot ${lab.slot} client key`, tags: [lab.tailnet.clientTag, lab.tailnet.slotTag] },
    ];
  }

  function slotLeaks(p: TailnetPolicy): string[] {
    const leaks: string[] = [];
    for (const slot of SLOTS) {
      const lab = labInSlot(slot);
      const ownRanges = [lab.network.vpcCidr, lab.network.serviceCidr];
      for (const credential of credentialsInside(lab)) {
        const tags = mintable(p, credential.tags);
        for (const other of SLOTS.filter((s) => s !== slot)) {
          const foreign = labInSlot(other).tailnet;
          for (const tag of [foreign.slotTag, foreign.operatorTag]) {
            if (tags.has(tag)) leaks.push(`${credential.name} can mint ${tag}`);
          }
        }
        for (const route of approvedRoutes(p, tags)) {
          if (!ownRanges.includes(route)) leaks.push(`${credential.name} gets ${route} approved`);
        }
      }
    }
    return leaks;
  }

  it('gives no credential held inside a lab another slot\u2019s tag or routes; CI alone reaches every slot', () => {
    expect(slotLeaks(policy)).toEqual([]);
    // Each slot's own operator still mints what its Connector and proxies carry, and gets its own routes approved.
    for (const slot of SLOTS) {
      const lab = labInSlot(slot);
      const tags = mintable(policy, [lab.tailnet.operatorTag]);
      for (const tag of connectorManifest(lab).spec.tags)
        expect(tags.has(tag), `slot ${slot}: ${tag}`).toBe(true);
      expect(approvedRoutes(policy, tags).sort()).toEqual(
        [lab.network.serviceCidr, lab.network.vpcCidr].sort(),
      );
    }
    const ci = mintable(policy, [CI_RUNNER_TAG]);
    for (const slot of SLOTS) expect(ci.has(labInSlot(slot).tailnet.slotTag)).toBe(true);
  });

  it('with the shared operator OAuth client (operator-auth oauth), says what it gives up: any slot\u2019s tags', () => {
    const shared = buildTailnetPolicy({ sharedOperatorClient: true });
    expect(slotLeaks(shared)).toEqual([]);
    const sharedClient = mintable(shared, ['tag:k8s-operator']);
    for (const slot of SLOTS) expect(sharedClient.has(labInSlot(slot).tailnet.slotTag)).toBe(true);
  });

  it("auto-approves every slot's Connector and client routes for that slot's tag only", () => {
    const approvals = Object.entries(policy.autoApprovers.routes);
    for (const slot of SLOTS) {
      const lab = labInSlot(slot);
      expect(policy.autoApprovers.routes[slotVpcCidr(slot)]).toEqual([lab.tailnet.slotTag]);
      expect(policy.autoApprovers.routes[slotServiceCidr(slot)]).toEqual([lab.tailnet.slotTag]);
      for (const route of [...lab.tailnet.connectorRoutes, ...lab.tailnet.clientRoutes]) {
        const covering = approvals.filter(([cidr]) => contains(parseCidr(cidr), parseCidr(route)));
        expect(covering.length, `${route} of slot ${slot}`).toBeGreaterThan(0);
        for (const [, approvers] of covering) expect(approvers).toEqual([lab.tailnet.slotTag]);
      }
    }
  });

  it("lets a lab's client reach its nginx, pods and kube-dns, and its egress proxy reach the client", () => {
    const lab = labInSlot(54);
    const client = { tags: [lab.tailnet.clientTag, lab.tailnet.slotTag] };
    const proxy = { tags: [lab.tailnet.proxyTag, lab.tailnet.slotTag] };
    const nginxIp = lab.network.kubeDnsIp.replace(/\.10$/, '.200');
    const podIp = lab.network.clusterSubnets[0].replace(/0\/\d+$/, '77');
    expect(allows(policy, client, { ip: nginxIp }, 'tcp:80')).toBe(true);
    expect(allows(policy, client, { ip: podIp }, 'tcp:80')).toBe(true);
    expect(allows(policy, client, { ip: lab.network.kubeDnsIp }, 'udp:53')).toBe(true);
    expect(allows(policy, client, { ip: lab.network.kubeDnsIp }, 'tcp:53')).toBe(true);
    expect(allows(policy, proxy, { tags: client.tags }, 'tcp:80')).toBe(true);
  });

  it("opens iperf3's port only between the measurement's ends: the client to its pods, the proxy to its client", () => {
    const lab = labInSlot(54);
    const client = { tags: [lab.tailnet.clientTag, lab.tailnet.slotTag] };
    const proxy = { tags: [lab.tailnet.proxyTag, lab.tailnet.slotTag] };
    const iperf3 = `tcp:${THROUGHPUT_PORT}`;
    const podIps = lab.network.clusterSubnets.map((s) => s.replace(/0\/\d+$/, '77'));
    for (const podIp of podIps) expect(allows(policy, client, { ip: podIp }, iperf3), podIp).toBe(true);
    expect(allows(policy, proxy, { tags: client.tags }, iperf3)).toBe(true);
    // Not the rest of the slot's ranges: nginx and kube-dns in the service CIDR, the client's own and the
    // control-plane subnets of the VPC.
    const nginxIp = lab.network.kubeDnsIp.replace(/\.10$/, '.200');
    const clientSubnetIp = lab.network.clientSubnet.replace(/0\/\d+$/, '20');
    const endpointIp = lab.network.controlPlaneSubnets[0].replace(/0\/\d+$/, '5');
    for (const ip of [nginxIp, lab.network.kubeDnsIp, clientSubnetIp, endpointIp]) {
      expect(allows(policy, client, { ip }, iperf3), ip).toBe(false);
    }
    // Not from the CI runner, another slot, or a device of no slot.
    const other = labInSlot(55);
    const otherClient = { tags: [other.tailnet.clientTag, other.tailnet.slotTag] };
    const otherProxy = { tags: [other.tailnet.proxyTag, other.tailnet.slotTag] };
    for (const source of [{ tags: [CI_RUNNER_TAG] }, otherClient, { tags: ['tag:someone-else'] }]) {
      expect(allows(policy, source, { ip: podIps[0]! }, iperf3), JSON.stringify(source)).toBe(false);
    }
    for (const source of [{ tags: [CI_RUNNER_TAG] }, otherProxy, { tags: [lab.tailnet.proxyTag] }]) {
      expect(allows(policy, source, { tags: client.tags }, iperf3), JSON.stringify(source)).toBe(false);
    }
    expect(
      allows(policy, client, { ip: other.network.clusterSubnets[0].replace(/0\/\d+$/, '77') }, iperf3),
    ).toBe(false);
  });

  it("keeps iperf3's port in grants of its own: the HTTP grant is not widened", () => {
    const lab = labInSlot(54);
    const iperf3 = `tcp:${THROUGHPUT_PORT}`;
    const slotGrants = policy.grants.filter((g) => g.src.includes(lab.tailnet.slotTag));
    const withIperf3 = slotGrants.filter((g) => g.ip.includes(iperf3));
    expect(withIperf3.map((g) => g.ip)).toEqual([[iperf3], [iperf3]]);
    expect(withIperf3.map((g) => g.dst)).toEqual([[...lab.network.clusterSubnets], [lab.tailnet.slotTag]]);
    expect(slotGrants.find((g) => g.ip.includes('tcp:80'))!.ip).toEqual(['tcp:80']);
    // Only slot devices get it: no CI runner or admin grant carries the port.
    expect(
      policy.grants.filter((g) => g.ip.includes(iperf3)).every((g) => /^tag:tslab-s\d+$/.test(g.src[0]!)),
    ).toBe(true);
  });

  it('grants nothing beyond those ports', () => {
    const lab = labInSlot(54);
    const client = { tags: [lab.tailnet.clientTag, lab.tailnet.slotTag] };
    const proxy = { tags: [lab.tailnet.proxyTag, lab.tailnet.slotTag] };
    const podIp = lab.network.clusterSubnets[0].replace(/0\/\d+$/, '77');
    expect(allows(policy, client, { ip: podIp }, 'tcp:443')).toBe(false);
    expect(allows(policy, client, { ip: podIp }, 'udp:53')).toBe(false);
    expect(allows(policy, proxy, { tags: client.tags }, 'tcp:22')).toBe(false);
    expect(allows(policy, { tags: ['tag:someone-else'] }, { ip: podIp }, 'tcp:80')).toBe(false);
  });

  it("keeps every slot's devices out of every other slot", () => {
    for (const a of SLOTS) {
      const mine = labInSlot(a);
      const own = [mine.network.vpcCidr, mine.network.serviceCidr].map(parseCidr);
      for (const grant of policy.grants.filter((g) => g.src.includes(mine.tailnet.slotTag))) {
        expect(grant.src, `slot ${a}`).toEqual([mine.tailnet.slotTag]);
        for (const dst of grant.dst) {
          const inside =
            dst === mine.tailnet.slotTag || own.some((c) => dst.includes('/') && contains(c, parseCidr(dst)));
          expect(inside, `slot ${a} grant reaches ${dst}`).toBe(true);
        }
      }
    }
    const a = labInSlot(54);
    const b = labInSlot(55);
    const clientA = { tags: [a.tailnet.clientTag, a.tailnet.slotTag] };
    const proxyA = { tags: [a.tailnet.proxyTag, a.tailnet.slotTag] };
    expect(allows(policy, clientA, { ip: b.network.kubeDnsIp }, 'udp:53')).toBe(false);
    expect(allows(policy, clientA, { ip: b.network.kubeDnsIp.replace(/\.10$/, '.200') }, 'tcp:80')).toBe(
      false,
    );
    expect(allows(policy, proxyA, { tags: [b.tailnet.clientTag, b.tailnet.slotTag] }, 'tcp:80')).toBe(false);
  });

  it('lets CI runners reach every slot\u2019s private EKS endpoint, kube-dns and services, and no VPC resolver', () => {
    const runner = { tags: [CI_RUNNER_TAG] };
    for (const slot of SLOTS) {
      const lab = labInSlot(slot);
      const endpointIp = lab.network.clusterSubnets[1].replace(/0\/\d+$/, '5');
      // The Amazon resolver (VPC base + 2): the endpoint's name resolves in public DNS, so nothing needs it.
      const vpcResolverIp = lab.network.vpcCidr.replace(/0\/\d+$/, '2');
      expect(allows(policy, runner, { ip: endpointIp }, 'tcp:443'), `slot ${slot}`).toBe(true);
      expect(allows(policy, runner, { ip: vpcResolverIp }, 'udp:53'), `slot ${slot}`).toBe(false);
      expect(allows(policy, runner, { ip: vpcResolverIp }, 'tcp:53'), `slot ${slot}`).toBe(false);
      expect(allows(policy, runner, { ip: lab.network.kubeDnsIp }, 'udp:53')).toBe(true);
      expect(allows(policy, runner, { ip: lab.network.kubeDnsIp.replace(/\.10$/, '.200') }, 'tcp:80')).toBe(
        true,
      );
    }
    expect(allows(policy, runner, { tags: [labInSlot(0).tailnet.clientTag] }, 'tcp:22')).toBe(false);
  });

  it('lets admins, and only admins, SSH to lab clients as ubuntu after a check', () => {
    const clientTag = labInSlot(0).tailnet.clientTag;
    expect(policy.ssh).toEqual([
      { action: 'check', src: ['autogroup:admin'], dst: [clientTag], users: ['ubuntu'] },
    ]);
    expect(allows(policy, { autogroups: ['autogroup:admin'] }, { tags: [clientTag] }, 'tcp:22')).toBe(true);
    expect(allows(policy, { autogroups: ['autogroup:member'] }, { tags: [clientTag] }, 'tcp:22')).toBe(false);
  });

  it('opens only the requested number of slots and refuses impossible counts', () => {
    const two = buildTailnetPolicy({ slotCount: 2 });
    expect(Object.keys(two.autoApprovers.routes)).toEqual([
      slotVpcCidr(0),
      slotServiceCidr(0),
      slotVpcCidr(1),
      slotServiceCidr(1),
    ]);
    expect(() => buildTailnetPolicy({ slotCount: 0 })).toThrow(RangeError);
    expect(() => buildTailnetPolicy({ slotCount: SLOT_COUNT + 1 })).toThrow(RangeError);
  });

  it('gives the OAuth clients the scopes tslab uses and nothing tailnet-wide', () => {
    expect(OPERATOR_OAUTH_SCOPES).toEqual(['devices:core', 'auth_keys', 'services']);
    // federated_keys: CI makes each lab's operator identity.
    expect(CI_OAUTH_SCOPES).toEqual([
      'devices:core',
      'auth_keys',
      'dns',
      'devices:routes:read',
      'federated_keys',
    ]);
    for (const scope of [...OPERATOR_OAUTH_SCOPES, ...CI_OAUTH_SCOPES]) {
      expect(['all', 'all:read', 'policy_file', 'oauth_keys']).not.toContain(scope);
    }
  });
});
