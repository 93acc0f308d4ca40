// tslab doctor: everything a lab on AWS needs, checked before anything is created. Each check stands alone (one
// failing does not hide the others) and a failure says what is missing and the command or page that fixes it.
// Nothing here writes, except the optional auth-key probe (5-minute, single-use, unused keys). What the credentials at
// hand cannot tell (the tailnet policy, without policy_file:read) is reported as not checked, never as passed. The
// checks live per system in doctor/; the CLI renders the results.
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import type { LabConfig } from '../lab/config.ts';
import type { TailscaleApi } from '../clients/tailscale/api-client.ts';
import { stateBucketOf } from '../home/place.ts';
import { tailscaleCredentialFrom } from '../targets/credentials.ts';
import { tailscaleApiFor } from '../targets/aws/default-dependencies.ts';
import { awsCredentials, stateBucket } from './aws.ts';
import { engine } from './engine.ts';
import type { DoctorResult } from './result.ts';
import { tailscale } from './tailscale.ts';

export type { DoctorResult } from './result.ts';

export interface DoctorDeps {
  lab: LabConfig;
  sts: STSClient;
  /** A client in the state bucket's region. */
  s3: S3Client;
  /** Undefined when no Tailscale OAuth credentials were found. */
  tailscale: TailscaleApi | undefined;
  /** The CI credential's client ID, which is also its key's ID: the doctor reads that key's scopes, tags and trust. */
  tailscaleClientId?: string;
  env: NodeJS.ProcessEnv;
  /** Also mint a short-lived key tagged with the client tag (off by default: it creates an object in the tailnet). */
  probeAuthKey?: boolean;
  /** `<binary> version -json`'s stdout; by default the binary is run from PATH. */
  engineVersionJson?: (binary: string, env: NodeJS.ProcessEnv) => Promise<string>;
}

export async function runDoctor(deps: DoctorDeps): Promise<DoctorResult[]> {
  const results: DoctorResult[] = [];
  const add = (check: string, outcome: Omit<DoctorResult, 'check'>) => results.push({ check, ...outcome });

  add('aws-credentials', await awsCredentials(deps));
  for (const r of await stateBucket(deps)) results.push(r);
  for (const r of await tailscale(deps)) results.push(r);
  add('engine', await engine(deps));
  return results;
}

/** The real clients, from the lab and the environment (the CLI's wiring). */
export function doctorDepsFromEnv(lab: LabConfig, env: NodeJS.ProcessEnv = process.env): DoctorDeps {
  const id = env['TAILSCALE_OAUTH_CLIENT_ID'];
  // An OAuth client (secret) or a federated identity (audience): the doctor checks whichever the runs will use.
  const { credential } = tailscaleCredentialFrom(
    { id, secret: env['TAILSCALE_OAUTH_CLIENT_SECRET'], audience: env['TAILSCALE_AUDIENCE'] },
    {
      id: 'TAILSCALE_OAUTH_CLIENT_ID',
      secret: 'TAILSCALE_OAUTH_CLIENT_SECRET',
      audience: 'TAILSCALE_AUDIENCE',
    },
    undefined,
  );
  return {
    lab,
    sts: new STSClient({ region: lab.region }),
    s3: new S3Client({ region: stateBucketOf(lab)?.region ?? lab.region }),
    ...(id ? { tailscaleClientId: id } : {}),
    tailscale: credential
      ? tailscaleApiFor(credential, {
          tailnet: lab.tailnet.name,
          // A doctor should answer quickly; a flaky API shows as a failed check, not a long wait.
          retry: { maxAttempts: 2 },
        })
      : undefined,
    env,
  };
}
