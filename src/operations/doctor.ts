// tslab doctor: everything a lab on AWS needs, checked before anything is created. Each check stands alone (one
// failing does not hide the others) and a failure says what is missing and the command or page that fixes it.
// Nothing here writes, except the optional auth-key probe (a 5-minute, single-use, unused key).
import { execFile } from 'node:child_process';
import { GetBucketVersioningCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { LabConfig } from '../lab/config.ts';
import { errorMessage } from '../lab/errors.ts';
import { OPERATOR_CREDENTIAL_ENV, TAILSCALE_CREDENTIAL_ENV } from '../lab/stack-contract.ts';
import { createTailscaleApiClient, TailscaleApiError, type TailscaleApi } from '../tailscale/api-client.ts';

export interface DoctorResult {
  check: string;
  ok: boolean;
  detail: string;
  /** How to fix a failure (empty when ok). */
  fix: string;
}

export interface DoctorDeps {
  lab: LabConfig;
  sts: STSClient;
  /** A client in the state bucket's region. */
  s3: S3Client;
  /** Undefined when no Tailscale OAuth credentials were found. */
  tailscale: TailscaleApi | undefined;
  env: NodeJS.ProcessEnv;
  /** Also mint a short-lived key tagged with the client tag (off by default: it creates an object in the tailnet). */
  probeAuthKey?: boolean;
  /** `<binary> version -json`'s stdout; by default the binary is run from PATH. */
  engineVersionJson?: (binary: string, env: NodeJS.ProcessEnv) => Promise<string>;
}

/** S3 native state locking (use_lockfile) arrived in Terraform 1.10 and OpenTofu 1.10. */
export const MIN_ENGINE_VERSION = [1, 10] as const;

const SETUP = 'docs/setup.md';
const POLICY = 'docs/iam/tslab-lab-policy.json';
export { TAILSCALE_CREDENTIAL_ENV };
export { OPERATOR_CREDENTIAL_ENV };

export async function runDoctor(deps: DoctorDeps): Promise<DoctorResult[]> {
  const results: DoctorResult[] = [];
  const add = (check: string, outcome: Omit<DoctorResult, 'check'>) => results.push({ check, ...outcome });

  add('aws-credentials', await awsCredentials(deps));
  for (const r of await stateBucket(deps)) results.push(r);
  for (const r of await tailscale(deps)) results.push(r);
  add('engine', await engine(deps));
  add('operator-credentials', operatorCredentials(deps.env));
  return results;
}

const pass = (detail: string): Omit<DoctorResult, 'check'> => ({ ok: true, detail, fix: '' });
const fail = (detail: string, fix: string): Omit<DoctorResult, 'check'> => ({ ok: false, detail, fix });

async function awsCredentials({ sts }: DoctorDeps): Promise<Omit<DoctorResult, 'check'>> {
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    return pass(`account ${identity.Account ?? '?'} as ${identity.Arn ?? '?'}`);
  } catch (error) {
    const name = errorName(error);
    if (name === 'CredentialsProviderError' || /could not load credentials/i.test(errorMessage(error))) {
      return fail(
        'no AWS credentials found',
        'Locally: `aws sso login` / `export AWS_PROFILE=...`. In GitHub Actions: aws-actions/configure-aws-credentials ' +
          `with role-to-assume and \`permissions: id-token: write\` on the job (${SETUP}, "AWS role").`,
      );
    }
    if (name === 'ExpiredToken' || name === 'ExpiredTokenException') {
      return fail(
        'the AWS credentials have expired',
        'Refresh them (`aws sso login`, or re-run the assume-role step).',
      );
    }
    return fail(
      `STS GetCallerIdentity failed: ${name}: ${errorMessage(error)}`,
      `Check the credentials in use (AWS_PROFILE, AWS_ACCESS_KEY_ID) and ${SETUP}, "AWS role".`,
    );
  }
}

async function stateBucket({ lab, s3 }: DoctorDeps): Promise<DoctorResult[]> {
  if (lab.state.kind !== 's3') {
    return [
      {
        check: 'state-bucket',
        ok: false,
        detail: 'no state bucket given: AWS labs keep their Terraform state and manifest in S3',
        fix: `Pass --state-bucket (GitHub: the TSLAB_STATE_BUCKET variable); create the bucket as in ${SETUP}, "State bucket".`,
      },
    ];
  }
  const { bucket, region } = lab.state;
  try {
    const head = await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    if (head.BucketRegion && head.BucketRegion !== region) {
      return [
        {
          check: 'state-bucket',
          ok: false,
          detail: `bucket ${bucket} is in ${head.BucketRegion}, not ${region}`,
          fix: `Pass --state-region ${head.BucketRegion} (GitHub: the TSLAB_STATE_REGION variable).`,
        },
      ];
    }
  } catch (error) {
    return [{ check: 'state-bucket', ...bucketFailure(error, bucket, region) }];
  }
  const results: DoctorResult[] = [
    { check: 'state-bucket', ok: true, detail: `s3://${bucket} (${region}) reachable`, fix: '' },
  ];
  try {
    const versioning = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    results.push(
      versioning.Status === 'Enabled'
        ? {
            check: 'state-bucket-versioning',
            ...pass('versioning enabled: earlier state files can be recovered'),
          }
        : {
            check: 'state-bucket-versioning',
            ...fail(
              `versioning is ${versioning.Status ?? 'off'} on ${bucket}: a corrupted or deleted state file could not be recovered`,
              `aws s3api put-bucket-versioning --bucket ${bucket} --versioning-configuration Status=Enabled`,
            ),
          },
    );
  } catch (error) {
    results.push({
      check: 'state-bucket-versioning',
      ...fail(
        `could not read versioning of ${bucket}: ${errorName(error)}`,
        `Grant s3:GetBucketVersioning on arn:aws:s3:::${bucket} (${POLICY}).`,
      ),
    });
  }
  return results;
}

function bucketFailure(error: unknown, bucket: string, region: string): Omit<DoctorResult, 'check'> {
  const status = httpStatus(error);
  if (status === 404 || errorName(error) === 'NotFound' || errorName(error) === 'NoSuchBucket') {
    return fail(
      `bucket ${bucket} does not exist`,
      `Create it (versioned, encrypted, public access blocked): ${SETUP}, "State bucket".`,
    );
  }
  if (status === 403 || errorName(error) === 'Forbidden' || errorName(error) === 'AccessDenied') {
    return fail(
      `access to bucket ${bucket} denied`,
      `Grant the role s3:ListBucket on arn:aws:s3:::${bucket} and object access under tslab/* (${POLICY}).`,
    );
  }
  if (status === 301 || errorName(error) === 'PermanentRedirect') {
    return fail(`bucket ${bucket} is not in ${region}`, 'Pass --state-region with the bucket’s region.');
  }
  return fail(
    `HeadBucket ${bucket} failed: ${errorName(error)}: ${errorMessage(error)}`,
    `See ${SETUP}, "State bucket".`,
  );
}

async function tailscale(deps: DoctorDeps): Promise<DoctorResult[]> {
  const api = deps.tailscale;
  if (!api) {
    return [
      {
        check: 'tailscale-oauth',
        ok: false,
        detail: `${TAILSCALE_CREDENTIAL_ENV.join(' and ')} are not set`,
        fix:
          'Export the CI OAuth client (tag:tslab-ci; scopes devices:core, auth_keys, dns, devices:routes:read): ' +
          '`terraform output -raw ci_oauth_client_id` / `ci_oauth_client_secret` in the tailnet-policy stack ' +
          `(${SETUP}, "Tailscale").`,
      },
    ];
  }
  const results: DoctorResult[] = [];
  try {
    const devices = await api.listDevices();
    results.push({
      check: 'tailscale-oauth',
      ...pass(`token issued; ${devices.length} device(s) visible in tailnet ${api.tailnet} (devices:core)`),
    });
  } catch (error) {
    // Without a token nothing else can be told apart: stop here.
    if (isTokenFailure(error)) {
      return [
        {
          check: 'tailscale-oauth',
          ...fail(
            `the OAuth client could not get a token: ${errorMessage(error)}`,
            'Check TAILSCALE_OAUTH_CLIENT_ID / _SECRET: the client may be deleted or the secret mistyped; ' +
              're-create it with the tailnet-policy stack.',
          ),
        },
      ];
    }
    results.push({
      check: 'tailscale-oauth',
      ...scopeFailure(error, 'devices:core', 'list and remove lab devices'),
    });
  }
  try {
    const domains = Object.keys(await api.getSplitDns());
    results.push({
      check: 'tailscale-dns',
      ...pass(`split DNS readable (${domains.length} domain(s)) (dns)`),
    });
  } catch (error) {
    results.push({ check: 'tailscale-dns', ...scopeFailure(error, 'dns', "write each lab's split DNS") });
  }
  if (deps.probeAuthKey)
    results.push({ check: 'tailscale-auth-key', ...(await authKeyProbe(api, deps.lab)) });
  return results;
}

async function authKeyProbe(api: TailscaleApi, lab: LabConfig): Promise<Omit<DoctorResult, 'check'>> {
  const tag = lab.tailnet.clientTag;
  try {
    const key = await api.createAuthKey({
      reusable: false,
      ephemeral: true,
      preauthorized: false,
      tags: [tag],
      expirySeconds: 300,
      description: 'tslab doctor probe',
    });
    // The key itself is never shown: only that it exists.
    return pass(`minted a single-use key tagged ${tag} (id ${key.id}, unused, expires in 5 minutes)`);
  } catch (error) {
    if (error instanceof TailscaleApiError && error.status === 400) {
      return fail(
        `the OAuth client may not tag keys ${tag}: ${error.apiMessage}`,
        `Apply the tailnet-policy stack (its tagOwners let tag:tslab-ci own ${tag}), and make sure the OAuth ` +
          `client itself carries tag:tslab-ci (${SETUP}, "Tailnet policy").`,
      );
    }
    return scopeFailure(error, 'auth_keys', "mint the lab client's auth key");
  }
}

function isTokenFailure(error: unknown): boolean {
  return error instanceof TailscaleApiError && error.path === '/api/v2/oauth/token';
}

function scopeFailure(error: unknown, scope: string, purpose: string): Omit<DoctorResult, 'check'> {
  if (error instanceof TailscaleApiError && (error.status === 403 || error.status === 401)) {
    return fail(
      `the OAuth client lacks scope ${scope} (HTTP ${error.status}: ${error.apiMessage})`,
      `Give the CI OAuth client scope ${scope} (it needs it to ${purpose}); OAuth client scopes cannot be edited: ` +
        `create a new client with the tailnet-policy stack (${SETUP}, "Tailscale").`,
    );
  }
  return fail(
    `Tailscale API call failed: ${errorMessage(error)}`,
    'Retry; check https://status.tailscale.com.',
  );
}

async function engine(deps: DoctorDeps): Promise<Omit<DoctorResult, 'check'>> {
  const binary = deps.lab.engine.binary;
  const install =
    binary === 'tofu'
      ? 'https://opentofu.org/docs/intro/install/ (GitHub: opentofu/setup-opentofu with tofu_wrapper: false)'
      : 'https://developer.hashicorp.com/terraform/install (GitHub: hashicorp/setup-terraform with terraform_wrapper: false)';
  let stdout: string;
  try {
    stdout = await (deps.engineVersionJson ?? runVersionJson)(binary, deps.env);
  } catch (error) {
    const missing = (error as { code?: unknown }).code === 'ENOENT';
    return fail(
      missing ? `${binary} is not on PATH` : `\`${binary} version -json\` failed: ${errorMessage(error)}`,
      `Install ${binary} ${MIN_ENGINE_VERSION.join('.')} or later: ${install}; or choose the other engine with --engine.`,
    );
  }
  let version: string | undefined;
  try {
    version = (JSON.parse(stdout) as { terraform_version?: unknown }).terraform_version as string | undefined;
  } catch {
    version = undefined;
  }
  if (typeof version !== 'string') {
    return fail(
      `\`${binary} version -json\` printed no terraform_version (is a wrapper script in the way?)`,
      `Put the real ${binary} binary on PATH (setup actions: disable the wrapper).`,
    );
  }
  if (!atLeast(version, MIN_ENGINE_VERSION)) {
    return fail(
      `${binary} ${version} is older than ${MIN_ENGINE_VERSION.join('.')}: the S3 backend's native locking (use_lockfile) is missing`,
      `Upgrade ${binary}: ${install}.`,
    );
  }
  return pass(`${binary} ${version}`);
}

function runVersionJson(binary: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, ['version', '-json'], { env, timeout: 30_000 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
  });
}

/** Compares major.minor of a version such as 1.10.3 or 1.11.0-beta1. */
export function atLeast(version: string, minimum: readonly [number, number]): boolean {
  const match = /^v?(\d+)\.(\d+)/.exec(version.trim());
  if (!match) return false;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > minimum[0] || (major === minimum[0] && minor >= minimum[1]);
}

function operatorCredentials(env: NodeJS.ProcessEnv): Omit<DoctorResult, 'check'> {
  const missing = OPERATOR_CREDENTIAL_ENV.filter((name) => !env[name]);
  if (!missing.length) return pass(`${OPERATOR_CREDENTIAL_ENV.join(', ')} set`);
  return fail(
    `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: \`tslab up\` hands the Tailscale operator its own OAuth client through them`,
    'Export them from the tailnet-policy stack: `terraform output -raw operator_oauth_client_id` and ' +
      `\`operator_oauth_client_secret\` (${SETUP}, "Tailscale"). In GitHub Actions they are the provision action's ` +
      'operator-oauth-client-id / -secret inputs instead.',
  );
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

function httpStatus(error: unknown): number | undefined {
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } } | undefined)?.$metadata;
  return typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}

/** The real clients, from the lab and the environment (the CLI's wiring). */
export function doctorDepsFromEnv(lab: LabConfig, env: NodeJS.ProcessEnv = process.env): DoctorDeps {
  const id = env['TAILSCALE_OAUTH_CLIENT_ID'];
  const secret = env['TAILSCALE_OAUTH_CLIENT_SECRET'];
  return {
    lab,
    sts: new STSClient({ region: lab.region }),
    s3: new S3Client({ region: lab.state.kind === 's3' ? lab.state.region : lab.region }),
    tailscale:
      id && secret
        ? createTailscaleApiClient({
            clientId: id,
            clientSecret: secret,
            tailnet: lab.tailnet.name,
            // A doctor should answer quickly; a flaky API shows as a failed check, not a long wait.
            retry: { maxAttempts: 2 },
          })
        : undefined,
    env,
  };
}

/** One line per check, with the fix under each failure. */
export function renderDoctor(results: readonly DoctorResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${r.ok ? 'ok  ' : 'FAIL'} ${r.check.padEnd(24)} ${r.detail}`);
    if (!r.ok && r.fix) lines.push(`     fix: ${r.fix}`);
  }
  const failed = results.filter((r) => !r.ok).length;
  lines.push(failed ? `${failed} problem(s) to fix before \`tslab up\`` : 'ready: nothing missing');
  return lines.join('\n');
}
