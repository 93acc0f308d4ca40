// What a lab owns, decided from names and tags alone, so teardown and the sweeper never touch anything else. The
// exception, bounded by the lab's own VPC: what its cluster left there untagged (src/targets/aws/leftovers.ts).
import { TAG_KEYS } from './config.ts';

/**
 * Tailnet hostnames of a lab: the client, the operator, the router (or its replicas `-<i>`) and the egress proxy (or
 * its ProxyGroup replicas). Matched exactly: lab `demo` must not claim `tslab-demo-2-client` of lab `demo-2`.
 */
export function isLabTailnetHostname(labId: string, hostname: string): boolean {
  const prefix = `tslab-${labId}-`;
  if (!hostname.startsWith(prefix)) return false;
  return /^(?:client|operator|router(?:-\d+)?|egress(?:-\d+)?)$/.test(hostname.slice(prefix.length));
}

/** The lab id a tailnet hostname belongs to, if it is a tslab hostname at all. */
export function labOfTailnetHostname(hostname: string): string | undefined {
  const match = /^tslab-([a-z][a-z0-9-]*?)-(?:client|operator|router(?:-\d+)?|egress(?:-\d+)?)$/.exec(
    hostname,
  );
  return match?.[1];
}

export interface TaggedResource {
  tags: Readonly<Record<string, string | undefined>>;
}

/** True only when the resource carries this lab's tag: look-alike names and untagged resources never match. */
export function isOwnedByLab(labId: string, resource: TaggedResource): boolean {
  return resource.tags[TAG_KEYS.lab] === labId;
}

/** Expired when the tslab:expires-at tag is a valid timestamp in the past; a missing or bad tag is never expired. */
export function isExpired(expiresAt: string | undefined, now: Date): boolean {
  if (!expiresAt) return false;
  const at = Date.parse(expiresAt);
  return Number.isFinite(at) && at <= now.getTime();
}
