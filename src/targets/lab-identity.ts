// A lab keeps the identity it was created with: createdAt (hence its nonces and expiry) and slot come from its
// manifest on every later command, so `validate` and `teardown` see the lab that `provision` built. So do its AZs and Kubernetes
// version: a re-run that chose other AZs would replace the lab's subnets, another version would upgrade its cluster.
import { resolveLab, type LabConfig, type ResolveOptions } from '../lab/config.ts';
import type { LabManifest } from '../engine/manifest.ts';

/**
 * What labs whose manifest predates recording them were built with: `<region>a,b,c` and the schema's former default.
 * Labs live at most 168 hours, so these fall out of use a week after the manifest records both.
 */
const LEGACY_KUBERNETES_VERSION = '1.34';
const legacyAzs = (region: string) => [`${region}a`, `${region}b`, `${region}c`];

export function adoptManifest(
  input: Record<string, unknown>,
  manifest: LabManifest,
  options: ResolveOptions = {},
): LabConfig {
  const ttlHours = Math.max(
    1,
    Math.round((Date.parse(manifest.expiresAt) - Date.parse(manifest.createdAt)) / 3_600_000),
  );
  return resolveLab(
    {
      ...input,
      createdAt: manifest.createdAt,
      slot: manifest.slot,
      region: manifest.region,
      ttlHours,
      owner: manifest.owner,
      trigger: manifest.trigger,
    },
    {
      ...options,
      recorded: {
        kubernetesVersion: manifest.kubernetesVersion ?? LEGACY_KUBERNETES_VERSION,
        azs: manifest.azs ?? legacyAzs(manifest.region),
      },
    },
  );
}
