// Answers "does this tailnet policy let device X open proto:port to Y?" for the parts of the grant syntax tslab
// uses (tags, autogroups, CIDRs, proto:port), so tests state reachability instead of restating the grant list.
import type { TailnetPolicy } from '../../../infra/manifests/tailnet-policy.ts';
import { contains, parseCidr } from '../../../src/lab/cidr.ts';

/** A tailnet identity: a tagged device, or a user in some autogroups. */
export interface Source {
  tags?: string[];
  autogroups?: string[];
}

export type Destination = { ip: string } | { tags: string[] };

function selectsSource(selector: string, source: Source): boolean {
  return (source.tags ?? []).includes(selector) || (source.autogroups ?? []).includes(selector);
}

function selectsDestination(selector: string, destination: Destination): boolean {
  if ('tags' in destination) return destination.tags.includes(selector);
  if (!selector.includes('/')) return selector === destination.ip;
  return contains(parseCidr(selector), parseCidr(`${destination.ip}/32`));
}

export function allows(
  policy: TailnetPolicy,
  source: Source,
  destination: Destination,
  port: string,
): boolean {
  return policy.grants.some(
    (grant) =>
      grant.src.some((s) => selectsSource(s, source)) &&
      grant.dst.some((d) => selectsDestination(d, destination)) &&
      (grant.ip.includes(port) || grant.ip.includes('*')),
  );
}
