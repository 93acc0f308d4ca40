// Name tags of the lab's AWS resources, spelled by src/lab/names.ts (which the checks use to find them again).
import type { LabConfig } from '../../../src/lab/config.ts';
import { labResourceName as nameOf } from '../../../src/lab/names.ts';

export function labResourceName(lab: LabConfig, what: string): string {
  return nameOf(lab.id, what);
}

/** Tags a resource carries beyond the provider's default_tags (lab.tags): its Name, plus any extra. */
export function nameTags(
  lab: LabConfig,
  what: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { ...extra, Name: labResourceName(lab, what) };
}

/**
 * lab.tags and the Name, spelled out for what default_tags does not reach: resources EC2 creates from a launch
 * template, and instance root volumes.
 */
export function explicitLabTags(lab: LabConfig, what: string): Record<string, string> {
  return { ...lab.tags, Name: labResourceName(lab, what) };
}
