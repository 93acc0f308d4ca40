// The doctor's engine check: terraform or tofu on PATH, new enough for the S3 backend's native locking.
import { atLeast, engineVersion, MIN_ENGINE_VERSION } from '../../engine/engine-version.ts';
import type { DoctorDeps } from '../doctor.ts';
import { fail, pass, type Outcome } from './result.ts';

export async function engine(deps: DoctorDeps): Promise<Outcome> {
  const binary = deps.lab.engine.binary;
  const install =
    binary === 'tofu'
      ? 'https://opentofu.org/docs/intro/install/ (GitHub: opentofu/setup-opentofu with tofu_wrapper: false)'
      : 'https://developer.hashicorp.com/terraform/install (GitHub: hashicorp/setup-terraform with terraform_wrapper: false)';
  const found = await engineVersion(binary, deps.env, deps.engineVersionJson);
  if (found.kind === 'missing' || (found.kind === 'unreadable' && found.detail.startsWith('failed'))) {
    return fail(
      found.kind === 'missing' ? `${binary} is not on PATH` : `\`${binary} version -json\` ${found.detail}`,
      `Install ${binary} ${MIN_ENGINE_VERSION.join('.')} or later: ${install}; or choose the other engine with --engine.`,
    );
  }
  if (found.kind === 'unreadable') {
    return fail(
      `\`${binary} version -json\` ${found.detail} (is a wrapper script in the way?)`,
      `Put the real ${binary} binary on PATH (setup actions: disable the wrapper).`,
    );
  }
  if (!atLeast(found.version, MIN_ENGINE_VERSION)) {
    return fail(
      `${binary} ${found.version} is older than ${MIN_ENGINE_VERSION.join('.')}: the S3 backend's native locking (use_lockfile) is missing`,
      `Upgrade ${binary}: ${install}.`,
    );
  }
  return pass(`${binary} ${found.version}`);
}
