// The CLI takes Tailscale credentials from the environment, where terraform reads them too.
import { LabConfigError } from '../../lab/errors.ts';
import { OPERATOR_CREDENTIAL_ENV, TAILSCALE_CREDENTIAL_ENV } from '../../lab/stack-contract.ts';
import {
  requiredCredentials,
  type CredentialKind,
  type LabCredentials,
  type LabVerb,
} from '../../operations/credentials.ts';

const ENV: Record<CredentialKind, readonly string[]> = {
  tailscale: TAILSCALE_CREDENTIAL_ENV,
  operator: OPERATOR_CREDENTIAL_ENV,
};

/** Those `verb` needs on `target`, each variable named when missing; the others when they are set. */
export function credentialsFromEnv(
  target: unknown,
  verb: LabVerb,
  options: { dryRun?: boolean; env?: NodeJS.ProcessEnv } = {},
): LabCredentials {
  const env = options.env ?? process.env;
  const required = requiredCredentials(target, verb, options.dryRun);
  const missing = required.flatMap((kind) => ENV[kind].filter((name) => !env[name]));
  if (missing.length) {
    throw new LabConfigError(
      missing.map((field) => ({ field, value: '', rule: 'must be set in the environment' })),
    );
  }
  const credentials: LabCredentials = {};
  for (const kind of Object.keys(ENV) as CredentialKind[]) {
    const [id, secret] = ENV[kind].map((name) => env[name]);
    if (id && secret) credentials[kind] = { id, secret };
  }
  return credentials;
}
