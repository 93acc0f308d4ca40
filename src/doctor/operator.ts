// The doctor's look at the operator path. With operator-auth federated (the default) each lab's stacks create its
// operator's federated identity, tagged tag:tslab-s<N>-operator, so the policy must let tag:tslab-ci own that tag and
// that tag own tag:tslab-s<N> (docs/setup.md §3). Those tagOwners are in the policy file, which needs
// policy_file:read: the CI credential does not carry it, so that part is reported as not checked, never failed.
import type { LabConfig } from '../lab/config.ts';
import { CI_RUNNER_TAG } from '../lab/stack-contract.ts';
import type { TailnetKey } from '../clients/tailscale/api-client.ts';
import { grants } from './ci-credential.ts';
import { notChecked, SETUP, type Outcome } from './result.ts';

export function operatorPolicy(
  lab: LabConfig,
  key: TailnetKey | undefined,
  operatorTagProbed: boolean,
): Outcome {
  const { operatorTag, slotTag } = lab.tailnet;
  const unchecked = operatorTagProbed
    ? `that ${operatorTag} owns ${slotTag}`
    : `that ${CI_RUNNER_TAG} owns ${operatorTag} and ${operatorTag} owns ${slotTag}`;
  const readable = key !== undefined && grants(key.scopes ?? [], 'policy_file:read');
  const why = readable
    ? 'the doctor does not read the policy file'
    : 'that is in the policy file, which needs policy_file:read, a scope the CI credential does not have';
  const probe = operatorTagProbed
    ? ''
    : `; --probe-auth-key checks that ${CI_RUNNER_TAG} may use ${operatorTag}`;
  return notChecked(
    `slot ${lab.slot}: not checked ${unchecked} (${why}); applying the tailnet-policy stack writes both ` +
      `(${SETUP} §3.1)${probe}`,
  );
}
