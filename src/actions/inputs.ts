// Every action input is read here, into one typed settings object per action. Secrets are masked before anything
// else touches them, and bad input is reported by input name before any cloud call.
import * as core from '@actions/core';
import type { MeasurementThresholds } from '../checks/data-plane.ts';
import { parseThresholds } from '../checks/thresholds.ts';
import { LabConfigError } from '../lab/errors.ts';
import {
  fromStrings,
  kebabCase,
  parseBooleanText,
  STRING_FIELDS,
  type StringLabInput,
} from '../lab/string-inputs.ts';
import {
  operatorCredentialIssue,
  requiredCredentials,
  tailscaleCredentialFrom,
  type LabCredentials,
  type CredentialUse,
  type TailscaleCredentialNames,
} from '../targets/credentials.ts';
import { IDENTITY_TOKEN_ENV } from '../clients/tailscale/identity-token.ts';
import { requireAwsRegions } from '../lab/regions.ts';
import type { SweepLabsOptions } from '../sweep/sweep-labs.ts';
import { repositoryFromEnv } from '../github/pull-requests.ts';

/** Where the local target keeps its state on a runner: the job's temporary directory. */
export function localStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return `${env['RUNNER_TEMP'] ?? '/tmp'}/tslab-state`;
}

export interface LabActionInputs {
  /** Lab settings as typed input, not yet validated (openLab does that). */
  lab: Record<string, unknown>;
  credentials: LabCredentials;
  localStateDir: string;
}

export interface ProvisionInputs extends LabActionInputs {
  pluginCacheDir?: string;
  /** Set when comment-on-pr is true: the token the sticky comment and the run's deployment are opened with. */
  githubToken?: string;
  /** The github-token input whenever given: asks whether the run holding the lab's run lock has ended. */
  takeoverToken?: string;
}

export interface ValidateInputs extends LabActionInputs {
  timeoutMs?: number;
  /** Data-plane thresholds; empty means the figures are only reported. */
  thresholds: MeasurementThresholds;
  only?: string[];
  reportPath?: string;
  /** Set when comment-on-pr is true: the token the sticky comment and the deployment are written with. */
  githubToken?: string;
  /** The deployment provision opened for this run (its deployment-id output); a new one is created without it. */
  deploymentId?: number;
}

export type SweepInputs = Omit<SweepLabsOptions, 'now' | 'log' | 'dependencies'>;

export type TeardownInputs =
  | {
      mode: 'teardown';
      teardown: LabActionInputs;
      /** Jobs of this workflow run that have ended: a run lock one of them holds is taken over at once. */
      finishedJobs: string[];
      /** Leave a lab alone unless this workflow run's provision took it last (manifest `lastRun`). */
      onlyIfProvisionedByThisRun: boolean;
      githubToken?: string;
    }
  | { mode: 'sweep'; sweep: SweepInputs; githubToken?: string };

export function readProvisionInputs(): ProvisionInputs {
  const credentials = readCredentials('provision');
  // operator-auth oauth needs the shared operator client: said here, before openLab reads the bucket.
  const operatorIssue = operatorCredentialIssue(
    core.getInput('target') || 'aws',
    core.getInput('operator-auth') || 'federated',
    credentials,
  );
  if (operatorIssue) throw new LabConfigError([{ ...operatorIssue, field: 'operator-auth' }]);
  const pluginCacheDir = core.getInput('plugin-cache-dir');
  const githubToken = readBooleanInput('comment-on-pr', false) ? readGithubToken() : undefined;
  // Masked once: readGithubToken has masked it already when comment-on-pr is on.
  const takeoverToken = githubToken ?? core.getInput('github-token');
  if (takeoverToken && !githubToken) core.setSecret(takeoverToken);
  return {
    ...labInputs(credentials),
    ...(pluginCacheDir ? { pluginCacheDir } : {}),
    ...(githubToken ? { githubToken } : {}),
    ...(takeoverToken ? { takeoverToken } : {}),
  };
}

export function readValidateInputs(): ValidateInputs {
  const credentials = readCredentials('validate');
  const timeout = core.getInput('timeout-seconds');
  if (timeout && !/^\d+$/.test(timeout)) {
    throw new LabConfigError([
      { field: 'timeout-seconds', value: timeout, rule: 'must be a whole number of seconds' },
    ]);
  }
  const checks = core.getInput('checks');
  const thresholds = parseThresholds({
    minThroughputMbps: core.getInput('min-throughput-mbps'),
    maxLatencyMs: core.getInput('max-latency-ms'),
  });
  const reportPath = core.getInput('report-path');
  const githubToken = readBooleanInput('comment-on-pr', false) ? readGithubToken() : undefined;
  // Empty when provision did not get to open one (or ran outside a pull request).
  const deploymentText = core.getInput('deployment-id');
  if (deploymentText && !/^[1-9]\d*$/.test(deploymentText)) {
    throw new LabConfigError([
      { field: 'deployment-id', value: deploymentText, rule: 'must be a deployment id (a whole number)' },
    ]);
  }
  return {
    ...labInputs(credentials),
    thresholds,
    ...(deploymentText ? { deploymentId: Number(deploymentText) } : {}),
    ...(timeout ? { timeoutMs: Number(timeout) * 1000 } : {}),
    ...(checks ? { only: checks.split(/[,\s]+/).filter(Boolean) } : {}),
    ...(reportPath ? { reportPath } : {}),
    ...(githubToken ? { githubToken } : {}),
  };
}

export function readTeardownInputs(): TeardownInputs {
  const mode = core.getInput('mode') || 'teardown';
  if (mode !== 'teardown' && mode !== 'sweep') {
    throw new LabConfigError([{ field: 'mode', value: mode, rule: "must be 'teardown' or 'sweep'" }]);
  }
  const githubToken = core.getInput('github-token');
  if (githubToken) core.setSecret(githubToken);
  const token = githubToken ? { githubToken } : {};
  if (mode === 'teardown') {
    const teardown = labInputs(readCredentials('teardown'));
    return {
      mode,
      teardown,
      finishedJobs: readJobIds('finished-jobs', core.getInput('finished-jobs')),
      onlyIfProvisionedByThisRun: readBooleanInput('only-if-provisioned-by-this-run', false),
      ...token,
    };
  }
  // Secrets first (masked before anything else is read); whether they are required depends on dry-run.
  let dryRun: boolean | undefined;
  const readDryRun = (): boolean => (dryRun ??= readBooleanInput('dry-run', true));
  const credentials = readCredentials('sweep', readDryRun);
  return { mode, sweep: readSweepInputs(credentials, readDryRun()), ...token };
}

/** Job ids as GitHub spells them: a letter or _, then letters, digits, - and _ (separated by spaces or commas). */
function readJobIds(name: string, text: string): string[] {
  const ids = text.split(/[,\s]+/).filter(Boolean);
  const bad = ids.filter((id) => !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(id));
  if (bad.length) {
    throw new LabConfigError(
      bad.map((id) => ({
        field: name,
        value: id,
        rule: 'must be job ids (a letter or _, then letters, digits, - or _), separated by spaces or commas',
      })),
    );
  }
  return ids;
}

function readSweepInputs(credentials: LabCredentials, dryRun: boolean): SweepInputs {
  const stateBucket = core.getInput('state-bucket', { required: true });
  const region = core.getInput('region') || 'us-east-1';
  const stateRegion = core.getInput('state-region') || region;
  requireAwsRegions([
    ['region', region],
    ['state-region', stateRegion],
  ]);
  const concurrencyText = core.getInput('concurrency') || '3';
  const concurrency = Number(concurrencyText);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10) {
    throw new LabConfigError([
      { field: 'concurrency', value: concurrencyText, rule: 'must be a whole number from 1 to 10' },
    ]);
  }
  return { credentials, stateBucket, region, stateRegion, dryRun, concurrency, github: readSweepGitHub() };
}

/** The token and repository to ask about pr-<n> labs' pull requests with, or why the sweep cannot. */
function readSweepGitHub(): SweepLabsOptions['github'] {
  // Masked by readTeardownInputs already; masked again so this never depends on the order of the reads.
  const token = core.getInput('github-token');
  if (token) core.setSecret(token);
  const repository = repositoryFromEnv();
  if (!token) return 'the github-token input is empty (it needs a token with pull-requests: read)';
  if (!repository) return 'GITHUB_REPOSITORY is not set, so it is not known whose pull requests to ask about';
  return { token, repository };
}

/** The CI credential: an OAuth client (id + secret) or a federated identity (id + audience, no secret). */
const TAILSCALE_INPUTS: TailscaleCredentialNames = {
  id: 'tailscale-oauth-client-id',
  secret: 'tailscale-oauth-client-secret',
  audience: 'tailscale-audience',
};
const OPERATOR_INPUTS = ['operator-oauth-client-id', 'operator-oauth-client-secret'] as const;

/** Reads an input and masks it before anything else can see it. */
function readMasked(name: string): string {
  const value = core.getInput(name);
  if (value) core.setSecret(value);
  return value;
}

/**
 * Reads and masks every secret input first, whatever is required, so none can reach a log line later. Missing
 * required ones (what `use` needs on the target asked for) are reported together, by input name.
 */
function readCredentials(use: CredentialUse, dryRun: () => boolean = () => false): LabCredentials {
  const target = core.getInput('target') || 'aws';
  // Client ids and the audience are not secret to Tailscale, but they name the credential: out of logs too.
  const ci = {
    secret: readMasked(TAILSCALE_INPUTS.secret),
    id: readMasked(TAILSCALE_INPUTS.id),
    audience: core.getInput('tailscale-audience'),
  };
  if (ci.audience) core.setSecret(ci.audience);
  const [operatorIdName, operatorSecretName] = OPERATOR_INPUTS;
  const operatorSecret = readMasked(operatorSecretName);
  const operatorId = readMasked(operatorIdName);
  // A JWT given to the job directly (instead of the runner's OIDC service) is a bearer secret too.
  const identityToken = process.env[IDENTITY_TOKEN_ENV]?.trim();
  if (identityToken) core.setSecret(identityToken);

  const required = requiredCredentials(target, use, dryRun());
  const credentials: LabCredentials = {};
  const { credential, issues } = tailscaleCredentialFrom(
    ci,
    TAILSCALE_INPUTS,
    required.includes('tailscale') ? { rule: `is required for the ${target} target` } : undefined,
  );
  if (credential) credentials.tailscale = credential;
  if (operatorId && operatorSecret) credentials.operator = { id: operatorId, secret: operatorSecret };
  else if (required.includes('operator')) {
    for (const [name, value] of [
      [operatorIdName, operatorId],
      [operatorSecretName, operatorSecret],
    ] as const) {
      if (!value) issues.push({ field: name, value: '', rule: `is required for the ${target} target` });
    }
  }
  if (issues.length) throw new LabConfigError(issues);
  return credentials;
}

export interface GithubRunContext {
  actor?: string | undefined;
  eventName?: string | undefined;
  serverUrl?: string | undefined;
  repository?: string | undefined;
  runId?: string | undefined;
}

function labInputs(credentials: LabCredentials): LabActionInputs {
  return { lab: readLabInput(), credentials, localStateDir: localStateDir() };
}

/** Lab settings from the action inputs (typed, not yet validated), owner/trigger/run URL from the workflow run. */
export function readLabInput(run: GithubRunContext = githubRunFromEnv()): Record<string, unknown> {
  const values: StringLabInput = {};
  for (const field of Object.keys(STRING_FIELDS) as (keyof StringLabInput)[]) {
    const value = core.getInput(kebabCase(field));
    if (value) values[field] = value;
  }
  if (!values.lab) {
    throw new LabConfigError([{ field: 'lab', value: '', rule: 'is required (input "lab")' }]);
  }
  // Actors such as 'dependabot[bot]' carry characters AWS tag values refuse.
  values.owner ??= run.actor?.replace(/[^\p{L}\p{N}_.:/=+\-@]/gu, '-');
  values.trigger ??= run.eventName;
  if (!values.runUrl && run.serverUrl && run.repository && run.runId) {
    values.runUrl = `${run.serverUrl}/${run.repository}/actions/runs/${run.runId}`;
  }
  return fromStrings(values);
}

export function githubRunFromEnv(env: NodeJS.ProcessEnv = process.env): GithubRunContext {
  return {
    actor: env['GITHUB_ACTOR'],
    eventName: env['GITHUB_EVENT_NAME'],
    serverUrl: env['GITHUB_SERVER_URL'],
    repository: env['GITHUB_REPOSITORY'],
    runId: env['GITHUB_RUN_ID'],
  };
}

/** A strict boolean input: the YAML 1.2 spellings only, anything else names the input. */
function readBooleanInput(name: string, fallback: boolean): boolean {
  const text = core.getInput(name);
  if (!text) return fallback;
  const value = parseBooleanText(text.trim());
  if (value === undefined)
    throw new LabConfigError([{ field: name, value: text, rule: 'must be true or false' }]);
  return value;
}

function readGithubToken(): string {
  const token = core.getInput('github-token');
  if (!token) {
    throw new LabConfigError([
      { field: 'github-token', value: '', rule: 'is required when comment-on-pr is true' },
    ]);
  }
  core.setSecret(token);
  return token;
}
