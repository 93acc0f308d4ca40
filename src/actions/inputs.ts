// The only place that reads action inputs. Secrets are masked before anything else touches them.
import * as core from '@actions/core';
import { LabConfigError, type ConfigIssue } from '../lab/errors.ts';
import { fromStrings, parseBooleanText, STRING_FIELDS, type StringLabInput } from '../lab/string-inputs.ts';

/** Action input name of a lab field: nodeCount → node-count. */
export function inputName(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export interface OauthClient {
  id: string;
  secret: string;
}

export interface ActionSecrets {
  /** The CI client: the tailscale provider, the Tailscale API, the runner's own tailnet join. */
  tailscale?: OauthClient;
  /** The operator's own client, handed to its Helm release. */
  operator?: OauthClient;
}

const PAIRS = {
  tailscale: ['tailscale-oauth-client-id', 'tailscale-oauth-client-secret'],
  operator: ['operator-oauth-client-id', 'operator-oauth-client-secret'],
} as const;

/**
 * Reads and masks every secret input first, whatever is required, so none can reach a log line later. Missing
 * required ones are reported together, by input name, before any cloud call.
 */
export function readSecrets(required: readonly (keyof typeof PAIRS)[]): ActionSecrets {
  const secrets: ActionSecrets = {};
  const issues: ConfigIssue[] = [];
  for (const [kind, [idName, secretName]] of Object.entries(PAIRS) as [
    keyof typeof PAIRS,
    readonly [string, string],
  ][]) {
    const secret = core.getInput(secretName);
    if (secret) core.setSecret(secret);
    const id = core.getInput(idName);
    // Client ids are not secret to Tailscale, but they name the credential: keep them out of logs too.
    if (id) core.setSecret(id);
    if (id && secret) secrets[kind] = { id, secret };
    else if (required.includes(kind)) {
      for (const [name, value] of [
        [idName, id],
        [secretName, secret],
      ] as const) {
        if (!value) issues.push({ field: name, value: '', rule: 'is required for the aws target' });
      }
    }
  }
  if (issues.length) throw new LabConfigError(issues);
  return secrets;
}

export interface GithubRunContext {
  actor?: string | undefined;
  eventName?: string | undefined;
  serverUrl?: string | undefined;
  repository?: string | undefined;
  runId?: string | undefined;
}

/** Lab settings from the action inputs (typed, not yet validated), owner/trigger/run URL from the workflow run. */
export function readLabInput(run: GithubRunContext = githubRunFromEnv()): Record<string, unknown> {
  const values: StringLabInput = {};
  for (const field of Object.keys(STRING_FIELDS) as (keyof StringLabInput)[]) {
    const value = core.getInput(inputName(field));
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

/**
 * The aws target keeps its state, run locks and manifest in the state bucket: without one there is no lab to find or
 * lock. Checked on the input as given, before any store is read or any cloud call made.
 */
export function requireStateBucket(input: Record<string, unknown>): void {
  if ((input['target'] ?? 'aws') === 'aws' && !input['stateBucket']) {
    throw new LabConfigError([
      {
        field: 'stateBucket',
        value: '',
        rule: 'is required for the aws target (state, locks and the lab manifest live there)',
      },
    ]);
  }
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

export function localStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return `${env['RUNNER_TEMP'] ?? '/tmp'}/tslab-state`;
}

/** A strict boolean input: the YAML 1.2 spellings only, anything else names the input. */
export function readBooleanInput(name: string, fallback: boolean): boolean {
  const text = core.getInput(name);
  if (!text) return fallback;
  const value = parseBooleanText(text.trim());
  if (value === undefined)
    throw new LabConfigError([{ field: name, value: text, rule: 'must be true or false' }]);
  return value;
}
