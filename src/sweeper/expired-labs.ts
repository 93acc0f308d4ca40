// Finds labs past their tslab:expires-at, from manifests and from AWS tags (a lab whose manifest is gone still carries
// its tags). Anything without the lab tag is invisible here, so it can never be swept.
import {
  GetResourcesCommand,
  type ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { TAG_KEYS } from '../lab/config.ts';
import { isExpired } from '../lab/ownership.ts';
import type { LabManifest } from '../engine/manifest.ts';

export interface TaggedLab {
  lab: string;
  /** The earliest tslab:expires-at seen on the lab's resources. */
  expiresAt: string | undefined;
  resources: string[];
}

export interface ExpiredLab {
  lab: string;
  expiresAt: string;
  region?: string;
  foundIn: ('manifest' | 'tags')[];
  owner?: string;
}

/** Every resource carrying the tslab:lab tag, grouped by lab. */
export async function scanTaggedLabs(tagging: ResourceGroupsTaggingAPIClient): Promise<TaggedLab[]> {
  const labs = new Map<string, TaggedLab>();
  let token: string | undefined;
  do {
    const page = await tagging.send(
      new GetResourcesCommand({
        TagFilters: [{ Key: TAG_KEYS.lab }],
        ...(token ? { PaginationToken: token } : {}),
      }),
    );
    for (const resource of page.ResourceTagMappingList ?? []) {
      const tags = Object.fromEntries((resource.Tags ?? []).map((t) => [t.Key, t.Value]));
      const lab = tags[TAG_KEYS.lab];
      if (!lab || !resource.ResourceARN) continue;
      const entry: TaggedLab = labs.get(lab) ?? { lab, expiresAt: undefined, resources: [] };
      entry.resources.push(resource.ResourceARN);
      const expiresAt = tags[TAG_KEYS.expiresAt];
      if (
        expiresAt &&
        Number.isFinite(Date.parse(expiresAt)) &&
        (!entry.expiresAt || expiresAt < entry.expiresAt)
      ) {
        entry.expiresAt = expiresAt;
      }
      labs.set(lab, entry);
    }
    token = page.PaginationToken || undefined;
  } while (token);
  return [...labs.values()];
}

/** Labs whose expiry has passed, by manifest or by tag; a lab with no valid expiry anywhere is never expired. */
export function expiredLabs(
  manifests: readonly LabManifest[],
  tagged: readonly TaggedLab[],
  now: Date,
): ExpiredLab[] {
  const found = new Map<string, ExpiredLab>();
  for (const manifest of manifests) {
    if (!isExpired(manifest.expiresAt, now)) continue;
    found.set(manifest.lab, {
      lab: manifest.lab,
      expiresAt: manifest.expiresAt,
      region: manifest.region,
      foundIn: ['manifest'],
      owner: manifest.owner,
    });
  }
  for (const lab of tagged) {
    if (!isExpired(lab.expiresAt, now)) continue;
    const existing = found.get(lab.lab);
    if (existing) existing.foundIn.push('tags');
    else found.set(lab.lab, { lab: lab.lab, expiresAt: lab.expiresAt!, foundIn: ['tags'] });
  }
  return [...found.values()].sort(
    (a, b) => a.expiresAt.localeCompare(b.expiresAt) || a.lab.localeCompare(b.lab),
  );
}
