// Finds labs past their tslab:expires-at, from manifests and from AWS tags (a lab whose manifest is gone still carries
// its tags, found by src/clients/aws/lab-resources.ts). Anything without the lab tag is invisible, so it can never be swept.
import type { TaggedLab } from '../clients/aws/lab-resources.ts';
import { isExpired } from '../lab/ownership.ts';
import { effectiveExpiry, type LabManifest } from '../engine/manifest.ts';

export interface ExpiredLab {
  lab: string;
  expiresAt: string;
  region?: string;
  foundIn: ('manifest' | 'tags')[];
  owner?: string;
}

/**
 * Labs whose expiry has passed: by manifest (its extended expiry, when a later provision kept it longer), or by tag
 * when the manifest is gone; a lab with no valid expiry anywhere is never expired.
 */
export function expiredLabs(
  manifests: readonly LabManifest[],
  tagged: readonly TaggedLab[],
  now: Date,
): ExpiredLab[] {
  const found = new Map<string, ExpiredLab>();
  for (const manifest of manifests) {
    const expiresAt = effectiveExpiry(manifest);
    if (!isExpired(expiresAt, now)) continue;
    found.set(manifest.lab, {
      lab: manifest.lab,
      expiresAt,
      region: manifest.region,
      foundIn: ['manifest'],
      owner: manifest.owner,
    });
  }
  // The tag says when the lab was built to expire; a manifest, when there is one, says whether a later provision
  // kept it longer. The tag decides only for a lab whose manifest is gone.
  const recorded = new Set(manifests.map((m) => m.lab));
  for (const lab of tagged) {
    if (!isExpired(lab.expiresAt, now)) continue;
    const existing = found.get(lab.lab);
    if (existing) existing.foundIn.push('tags');
    else if (!recorded.has(lab.lab))
      found.set(lab.lab, { lab: lab.lab, expiresAt: lab.expiresAt!, foundIn: ['tags'] });
  }
  return [...found.values()].sort(
    (a, b) => a.expiresAt.localeCompare(b.expiresAt) || a.lab.localeCompare(b.lab),
  );
}
