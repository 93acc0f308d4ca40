// A lab keeps the identity it was created with: createdAt (hence its nonces and expiry) and slot come from its
// manifest on every later command, so `validate` and `down` see the lab that `up` built.
import { resolveLab, type LabConfig, type ResolveOptions } from '../lab/config.ts';
import type { LabManifest, ManifestStore } from '../engine/manifest.ts';

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

/** The lab as given, or, when it already exists, as it was created. */
export async function resolveExistingLab(
  input: Record<string, unknown>,
  storeFor: (lab: LabConfig) => ManifestStore,
  options: ResolveOptions = {},
): Promise<{ lab: LabConfig; manifest: LabManifest | undefined }> {
  const fresh = resolveLab(input, options);
  const manifest = await storeFor(fresh).read(fresh.id);
  return { lab: manifest ? adoptManifest(input, manifest, options) : fresh, manifest };
}
