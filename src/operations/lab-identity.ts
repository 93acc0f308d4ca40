// A lab keeps the identity it was created with: createdAt (hence its nonces and expiry) and slot come from its
// manifest on every later command, so `validate` and `down` see the lab that `up` built.
import { resolveLab, type LabConfig, type ResolveOptions } from '../lab/config.ts';
import type { LabManifest } from '../engine/manifest.ts';

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
    options,
  );
}
