// The tailnet policy file every lab on a tailnet shares. Labs are isolated by slot: slot N owns one VPC CIDR, one
// service CIDR and the tag `tag:tslab-s<N>`, which both of its tailnet routers (the cluster's Connector and the EC2
// client) and its egress proxies carry.
//
// Tag ownership keeps slots apart for whoever holds a credential inside a lab. Slot N's operator authenticates with
// its lab's own federated identity, tagged `tag:tslab-s<N>-operator`, which owns only `tag:tslab-s<N>` (and the
// grant-less `tag:k8s` its proxies also carry): a cluster admin of one lab can mint no other slot's tag, so can neither
// advertise another slot's routes nor receive its grants. CI owns every slot's tags (it creates the identities and
// tags the client). With `sharedOperatorClient` (labs using operator-auth oauth) one OAuth client, `tag:k8s-operator`,
// serves every slot's operator and owns every slot tag: that compatibility mode gives up this isolation.
//
// Grants, least privilege, thought through per kind of device:
// - Lab devices (src = the slot tag). The client is tagged `tag:tslab-client` AND its slot tag, but a grant's src
//   list is a union, never an intersection, so the slot tag alone is the narrowest source that still covers it. It
//   also covers the slot's Connector and egress proxies; they only ever reach their own slot, which is the point.
//   They get: HTTP to the slot's services and pods (nginx through the Connector), DNS to the slot's kube-dns only
//   (split DNS sends the lab's zone there), and HTTP to the slot's own devices: that is the cluster's egress proxy
//   reaching the client. (`tag:k8s -> tag:tslab-client` would let every lab's proxies reach every lab's client.)
//   The data-plane measurement adds iperf3's port (THROUGHPUT_PORT) in grants of its own, to its two far ends only:
//   the slot's pod subnets (the client measures an iperf3 pod through the Connector) and the slot's own devices (a
//   pod measures the client through the egress proxy). Not the service CIDR, the rest of the VPC or kube-dns: no
//   iperf3 server runs there. Tags cannot tell the slot's client from its proxies and Connector (they all carry the
//   slot tag), so within a slot the port is open between its devices both ways; iperf3 listens on it only while a
//   measurement runs.
// - CI runners (src = `tag:tslab-ci`, the tag of the CI OAuth client and of runners joined with it) drive any slot:
//   the private EKS endpoint (443, through the client's subnet routes; its name resolves in public DNS to its
//   private addresses, docs/design/eks.md §5, so the VPC resolver is neither routed nor granted), kube-dns (to resolve
//   the lab's zone through split DNS) and HTTP to services.
// - Admins (`autogroup:admin`) may SSH to lab clients as `ubuntu` after a check: the ssh rule authorises the
//   session, the grant on tcp:22 lets the connection through.
// Nothing else is granted: with grants present, everything not listed is denied.
import { resolveLab, SHARED_OPERATOR_TAG, type LabConfig } from '../../src/lab/config.ts';
import { THROUGHPUT_PORT } from '../../src/lab/measurement.ts';
import { SLOT_COUNT } from '../../src/lab/schema.ts';
import { CI_RUNNER_TAG } from '../../src/lab/stack-contract.ts';

// The CI tag lives in the stack contract, which `tslab doctor` reads without loading infra/.
export { CI_RUNNER_TAG } from '../../src/lab/stack-contract.ts';
export const ADMINS = 'autogroup:admin';
export const CLIENT_SSH_USERS = ['ubuntu'];

export interface Grant {
  src: string[];
  dst: string[];
  ip: string[];
}

export interface SshRule {
  action: 'accept' | 'check';
  src: string[];
  dst: string[];
  users: string[];
}

export interface TailnetPolicy {
  tagOwners: Record<string, string[]>;
  autoApprovers: { routes: Record<string, string[]> };
  grants: Grant[];
  ssh: SshRule[];
}

export interface TailnetPolicyOptions {
  /** How many slots the policy opens (default: every slot, SLOT_COUNT). */
  slotCount?: number;
  /** Also let the shared operator OAuth client (`tag:k8s-operator`) own every slot's tags (operator-auth oauth). */
  sharedOperatorClient?: boolean;
}

/** What the policy needs of the lab in one slot. */
export interface SlotView {
  slot: number;
  slotTag: string;
  /** The tag of the slot's own operator identity. */
  operatorTag: string;
  vpcCidr: string;
  /** The subnets the cluster's nodes and pods take their addresses from (VPC CNI), inside vpcCidr. */
  podSubnets: string[];
  serviceCidr: string;
  kubeDnsCidr: string;
  tailnet: LabConfig['tailnet'];
}

// Tags and addresses come from the same resolveLab every lab uses; only the slot matters, so the id is a stand-in.
const SLOT_TEMPLATE_LAB = 'slot-template';
const FIXED_NOW = new Date('2026-01-01T00:00:00Z');

export function slotView(slot: number): SlotView {
  const lab = resolveLab({ lab: SLOT_TEMPLATE_LAB, slot }, { now: FIXED_NOW });
  return {
    slot,
    slotTag: lab.tailnet.slotTag,
    operatorTag: lab.tailnet.operatorTag,
    vpcCidr: lab.network.vpcCidr,
    podSubnets: [...lab.network.clusterSubnets],
    serviceCidr: lab.network.serviceCidr,
    kubeDnsCidr: `${lab.network.kubeDnsIp}/32`,
    tailnet: lab.tailnet,
  };
}

export function buildTailnetPolicy(options: TailnetPolicyOptions = {}): TailnetPolicy {
  const slotCount = options.slotCount ?? SLOT_COUNT;
  if (!Number.isInteger(slotCount) || slotCount < 1 || slotCount > SLOT_COUNT) {
    throw new RangeError(`slotCount must be an integer between 1 and ${SLOT_COUNT}, got ${slotCount}`);
  }
  const slots = Array.from({ length: slotCount }, (_, slot) => slotView(slot));
  const { proxyTag, clientTag } = slots[0]!.tailnet;
  const shared = options.sharedOperatorClient === true ? [SHARED_OPERATOR_TAG] : [];

  const tagOwners: Record<string, string[]> = {
    // Proxies carry it beside their slot tag; alone it is granted nothing and approves no route.
    [proxyTag]: [...slots.map((s) => s.operatorTag), ...shared],
    [CI_RUNNER_TAG]: [],
    // CI mints the client's auth key, so the CI tag must own the client's tags.
    [clientTag]: [CI_RUNNER_TAG],
  };
  // The shared client's own tag; its devices and credential own every slot's tags (see the header).
  if (shared.length) tagOwners[SHARED_OPERATOR_TAG] = [];
  const routes: Record<string, string[]> = {};
  const grants: Grant[] = [];

  for (const s of slots) {
    // CI creates the slot's operator identity with this tag; the operator's device carries it too.
    tagOwners[s.operatorTag] = [CI_RUNNER_TAG];
    // The slot's operator tags the Connector and proxies with it; CI tags the client with it.
    tagOwners[s.slotTag] = [s.operatorTag, ...shared, CI_RUNNER_TAG];
    // Sub-ranges are approved too: the client advertises the control-plane subnets inside the VPC CIDR.
    routes[s.vpcCidr] = [s.slotTag];
    routes[s.serviceCidr] = [s.slotTag];
    const iperf3 = `tcp:${THROUGHPUT_PORT}`;
    grants.push(
      { src: [s.slotTag], dst: [s.serviceCidr, s.vpcCidr, s.slotTag], ip: ['tcp:80'] },
      { src: [s.slotTag], dst: [s.kubeDnsCidr], ip: ['udp:53', 'tcp:53'] },
      // The measurement, subnet-router scenario: the client to an iperf3 pod, through the Connector.
      { src: [s.slotTag], dst: [...s.podSubnets], ip: [iperf3] },
      // The measurement, egress scenario: the egress proxy to iperf3 on the client.
      { src: [s.slotTag], dst: [s.slotTag], ip: [iperf3] },
    );
  }

  grants.push(
    { src: [CI_RUNNER_TAG], dst: slots.map((s) => s.vpcCidr), ip: ['tcp:443'] },
    {
      src: [CI_RUNNER_TAG],
      dst: slots.map((s) => s.kubeDnsCidr),
      ip: ['udp:53', 'tcp:53'],
    },
    { src: [CI_RUNNER_TAG], dst: slots.map((s) => s.serviceCidr), ip: ['tcp:80'] },
    { src: [ADMINS], dst: [clientTag], ip: ['tcp:22'] },
  );

  return {
    tagOwners,
    autoApprovers: { routes },
    grants,
    ssh: [{ action: 'check', src: [ADMINS], dst: [clientTag], users: [...CLIENT_SSH_USERS] }],
  };
}
