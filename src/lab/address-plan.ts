// Per-lab, non-overlapping address plan. Labs share one tailnet, so each lab takes a slot and every route it
// advertises comes from that slot's share of two fixed pools.
import { contains, hostAddress, overlaps, parseCidr, subnet, type Cidr } from './cidr.ts';
import { SLOT_COUNT } from './schema.ts';

/** VPCs: one /16 per slot. */
export const VPC_POOL = '10.64.0.0/10';
/** Cluster service CIDRs: one /18 per slot (EKS wants /12–/24 inside RFC 1918, outside the VPC). */
export const SERVICE_POOL = '10.128.0.0/12';
/** Address ranges a lab must never use: the tailnet's own CGNAT and IPv6 ranges. */
export const RESERVED_RANGES = [
  { cidr: '100.64.0.0/10', why: 'the tailnet CGNAT range (100.64.0.0/10)' },
  { cidr: 'fd7a:115c:a1e0::/48', why: 'the tailnet IPv6 range (fd7a:115c:a1e0::/48)' },
] as const;
const RFC1918 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map(parseCidr);

export interface AddressPlan {
  vpcCidr: string;
  serviceCidr: string;
  /** Two private subnets in two AZs for the nodes (pods get VPC IPs from them through the VPC CNI). */
  clusterSubnets: [string, string];
  /**
   * Two small subnets in the same AZs for the EKS control-plane ENIs (the private API endpoint). Kept apart from the
   * pod subnets so the client (advertising these) and the Connector (advertising the pods) never advertise overlapping
   * routes, and the client's --accept-routes never captures its own subnet.
   */
  controlPlaneSubnets: [string, string];
  /** The client's own private subnet, in a third AZ. */
  clientSubnet: string;
  /** Where the NAT gateway (or NAT instance) lives. */
  publicSubnet: string;
  /** kube-dns: EKS gives it the .10 of the service CIDR. */
  kubeDnsIp: string;
}

export function slotVpcCidr(slot: number): string {
  return subnet(parseCidr(VPC_POOL), 16, slot).text;
}

export function slotServiceCidr(slot: number): string {
  return subnet(parseCidr(SERVICE_POOL), 18, slot).text;
}

/** Derives a stable slot from the lab id: `pr-<n>` uses the PR number, anything else a hash. */
export function defaultSlot(labId: string): number {
  const pr = /^pr-(\d+)$/.exec(labId);
  if (pr) return Number(pr[1]) % SLOT_COUNT;
  let hash = 2166136261;
  for (const ch of labId) hash = Math.imul(hash ^ ch.charCodeAt(0), 16777619) >>> 0;
  return hash % SLOT_COUNT;
}

export function planAddresses(vpcText: string, serviceText: string): AddressPlan {
  const vpc = parseCidr(vpcText);
  const service = parseCidr(serviceText);
  const quarter = vpc.prefix + 2;
  return {
    vpcCidr: vpc.text,
    serviceCidr: service.text,
    // The first quarter, which holds the VPC base, is the client's: no route either router advertises covers it.
    clusterSubnets: [subnet(vpc, quarter, 1).text, subnet(vpc, quarter, 2).text],
    clientSubnet: subnet(vpc, quarter, 0).text,
    publicSubnet: subnet(subnet(vpc, quarter, 3), vpc.prefix + 4, 0).text,
    // /28 is the smallest subnet EKS accepts for its control-plane ENIs; take two from the last quarter's second part.
    controlPlaneSubnets: [
      subnet(subnet(subnet(vpc, quarter, 3), vpc.prefix + 4, 1), 28, 0).text,
      subnet(subnet(subnet(vpc, quarter, 3), vpc.prefix + 4, 1), 28, 1).text,
    ],
    kubeDnsIp: hostAddress(service, 10),
  };
}

/** Rules for one CIDR field; returns the broken rule or undefined. */
export function vpcCidrRule(text: string): string | undefined {
  const base = commonRule(text);
  if (base) return base;
  const cidr = parseCidr(text);
  if (cidr.kind !== 'ipv4') return 'must be an IPv4 CIDR';
  if (cidr.prefix < 16 || cidr.prefix > 20)
    return 'must have a prefix length between /16 and /20 (an AWS VPC)';
  if (!RFC1918.some((r) => contains(r, cidr))) return 'must be inside an RFC 1918 private range';
  return undefined;
}

export function serviceCidrRule(text: string): string | undefined {
  const base = commonRule(text);
  if (base) return base;
  const cidr = parseCidr(text);
  if (cidr.kind !== 'ipv4') return 'must be an IPv4 CIDR';
  if (cidr.prefix < 12 || cidr.prefix > 24) return 'must have a prefix length between /12 and /24 (EKS rule)';
  if (!RFC1918.some((r) => contains(r, cidr))) return 'must be inside an RFC 1918 private range (EKS rule)';
  return undefined;
}

function commonRule(text: string): string | undefined {
  let cidr: Cidr;
  try {
    cidr = parseCidr(text);
  } catch (error) {
    return `must be a CIDR block with no host bits set (${error instanceof Error ? error.message : 'unparsable'})`;
  }
  for (const reserved of RESERVED_RANGES) {
    if (overlaps(cidr, parseCidr(reserved.cidr))) return `must not overlap ${reserved.why}`;
  }
  return undefined;
}

/** Any pair of labs whose advertised routes overlap: they would fight over the same routes on the tailnet. */
export function findRouteConflicts(
  labs: readonly { id: string; routes: readonly string[] }[],
): { a: string; b: string; routeA: string; routeB: string }[] {
  const conflicts: { a: string; b: string; routeA: string; routeB: string }[] = [];
  for (let i = 0; i < labs.length; i++) {
    for (let j = i + 1; j < labs.length; j++) {
      const a = labs[i]!;
      const b = labs[j]!;
      for (const ra of a.routes) {
        for (const rb of b.routes) {
          if (overlaps(parseCidr(ra), parseCidr(rb)))
            conflicts.push({ a: a.id, b: b.id, routeA: ra, routeB: rb });
        }
      }
    }
  }
  return conflicts;
}

export { overlaps, parseCidr };
