// The doctor's engine check: terraform or tofu on PATH, new enough for the S3 backend's native locking. The verdict
// and its wording are shared with the test run's own engine check (test/support/required-tools.ts), so `tslab doctor`
// and `npm test` name the same minimum and the same way to install it.
import { atLeast, engineVersion, MIN_ENGINE_VERSION, type EngineVersion } from '../engine/engine-version.ts';
import type { DoctorDeps } from './doctor.ts';
import { fail, pass, type Outcome } from './result.ts';

export type EngineBinary = 'terraform' | 'tofu';

/** The minimum as people write it: 1.10. */
export const MIN_ENGINE = MIN_ENGINE_VERSION.join('.');

export function installHint(binary: EngineBinary): string {
  return binary === 'tofu'
    ? 'https://opentofu.org/docs/intro/install/ (GitHub: opentofu/setup-opentofu with tofu_wrapper: false)'
    : 'https://developer.hashicorp.com/terraform/install (GitHub: hashicorp/setup-terraform with terraform_wrapper: false)';
}

export type EngineVerdict =
  | { usable: true; version: string }
  /** absent: not on PATH or would not run, so the other engine is as good a fix as installing this one. */
  | { usable: false; detail: string; fix: string; absent: boolean };

/** Whether the engine found can be used, and when not, what is wrong with it and the fix. */
export function engineVerdict(binary: EngineBinary, found: EngineVersion): EngineVerdict {
  if (found.kind === 'missing' || (found.kind === 'unreadable' && found.detail.startsWith('failed'))) {
    return {
      usable: false,
      detail:
        found.kind === 'missing' ? `${binary} is not on PATH` : `\`${binary} version -json\` ${found.detail}`,
      fix: `Install ${binary} ${MIN_ENGINE} or later: ${installHint(binary)}`,
      absent: true,
    };
  }
  if (found.kind === 'unreadable') {
    return {
      usable: false,
      detail: `\`${binary} version -json\` ${found.detail} (is a wrapper script in the way?)`,
      fix: `Put the real ${binary} binary on PATH (setup actions: disable the wrapper).`,
      absent: false,
    };
  }
  if (!atLeast(found.version, MIN_ENGINE_VERSION)) {
    return {
      usable: false,
      detail: `${binary} ${found.version} is older than ${MIN_ENGINE}: the S3 backend's native locking (use_lockfile) is missing`,
      fix: `Upgrade ${binary}: ${installHint(binary)}.`,
      absent: false,
    };
  }
  return { usable: true, version: found.version };
}

export async function engine(deps: DoctorDeps): Promise<Outcome> {
  const binary = deps.lab.engine.binary;
  const verdict = engineVerdict(binary, await engineVersion(binary, deps.env, deps.engineVersionJson));
  if (verdict.usable) return pass(`${binary} ${verdict.version}`);
  // Only the doctor can offer the other engine: the lab's engine is one of its inputs.
  return fail(
    verdict.detail,
    verdict.absent ? `${verdict.fix}; or choose the other engine with --engine.` : verdict.fix,
  );
}
