// A teardown that could not finish says what it left and how to remove it: the rerun that resumes from the lab id,
// and the manual route for when the rerun keeps failing.
import { TAG_KEYS, type LabConfig } from '../../lab/config.ts';

/** What is still there after a failed teardown; a list is undefined when it could not even be read. */
export interface LeftBehind {
  /** Stacks whose state still holds resources, with their manifest status. */
  stacks: string[];
  /** ENIs, load balancers and security groups of the lab VPC that destroy would trip over. */
  leftovers: string[] | undefined;
  tailnetDevices: string[] | undefined;
  /** ARNs still carrying the lab's tag. */
  tagged: string[] | undefined;
}

export class TeardownIncompleteError extends Error {
  readonly left: LeftBehind;

  /** `locationFlags`: what points `tslab teardown` at the lab's state again (LabHome.locationFlags). */
  constructor(lab: LabConfig, cause: unknown, left: LeftBehind, locationFlags = '') {
    super(describeIncomplete(lab, cause, left, locationFlags), { cause });
    this.name = 'TeardownIncompleteError';
    this.left = left;
  }
}

export function describeIncomplete(
  lab: LabConfig,
  cause: unknown,
  left: LeftBehind,
  locationFlags: string,
): string {
  const list = (items: string[] | undefined) =>
    items === undefined ? 'unknown (could not list them)' : items.length ? items.join(', ') : 'none';
  const reason = cause instanceof Error ? cause.message : String(cause);
  return [
    `teardown of lab '${lab.id}' did not finish: ${reason}`,
    'Left behind:',
    `- stacks with resources: ${list(left.stacks)}`,
    `- resources in the lab VPC that block its deletion: ${list(left.leftovers)}`,
    `- tailnet devices: ${list(left.tailnetDevices)}`,
    `- AWS resources tagged ${TAG_KEYS.lab}=${lab.id}: ${list(left.tagged)}`,
    'To remove them: run the teardown again; it resumes from the lab id alone ' +
      `(tslab teardown --target ${lab.target} --lab ${lab.id}${locationFlags}, or the teardown action with lab: ${lab.id}).`,
    'If it keeps failing, remove them by hand: ' +
      `aws resourcegroupstaggingapi get-resources --region ${lab.region} --tag-filters Key=${TAG_KEYS.lab},Values=${lab.id} ` +
      `lists the AWS resources; the tailnet devices are the machines named tslab-${lab.id}-* in the Tailscale admin console.`,
  ].join('\n');
}
