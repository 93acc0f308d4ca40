// The only place that reads action inputs. Secrets are masked before anything else touches them.
import * as core from '@actions/core';
import { resolveLab, type LabConfig } from '../lab/config.ts';
import { LabConfigError } from '../lab/errors.ts';
import { fromStrings, STRING_FIELDS, type StringLabInput } from '../lab/string-inputs.ts';

export interface TailscaleCredentials {
  oauthClientId: string;
  oauthClientSecret: string;
  tailnet: string;
}

/** Action input name of a lab field: nodeCount → node-count. */
export function inputName(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Reads the Tailscale OAuth inputs and masks them before any other use. */
export function readTailscaleCredentials(required: boolean): TailscaleCredentials | undefined {
  const oauthClientSecret = core.getInput('tailscale-oauth-client-secret');
  if (oauthClientSecret) core.setSecret(oauthClientSecret);
  const oauthClientId = core.getInput('tailscale-oauth-client-id');
  if (oauthClientId) core.setSecret(oauthClientId);
  if (!oauthClientId || !oauthClientSecret) {
    if (!required) return undefined;
    const missing = [
      ...(oauthClientId ? [] : ['tailscale-oauth-client-id']),
      ...(oauthClientSecret ? [] : ['tailscale-oauth-client-secret']),
    ];
    throw new LabConfigError(
      missing.map((field) => ({ field, value: '', rule: 'is required (a Tailscale OAuth client)' })),
    );
  }
  return { oauthClientId, oauthClientSecret, tailnet: core.getInput('tailnet') || '-' };
}

export interface GithubRunContext {
  actor?: string | undefined;
  eventName?: string | undefined;
  serverUrl?: string | undefined;
  repository?: string | undefined;
  runId?: string | undefined;
}

/** Lab settings from the action inputs, with owner/trigger/run URL defaulted from the workflow run. */
export function readLabInputs(run: GithubRunContext = githubRunFromEnv()): LabConfig {
  const values: StringLabInput = {};
  for (const field of Object.keys(STRING_FIELDS) as (keyof StringLabInput)[]) {
    const value = core.getInput(inputName(field));
    if (value) values[field] = value;
  }
  // Actors such as 'dependabot[bot]' carry characters AWS tag values refuse.
  values.owner ??= run.actor?.replace(/[^\p{L}\p{N}_.:/=+\-@]/gu, '-');
  values.trigger ??= run.eventName;
  if (!values.runUrl && run.serverUrl && run.repository && run.runId) {
    values.runUrl = `${run.serverUrl}/${run.repository}/actions/runs/${run.runId}`;
  }
  return resolveLab(fromStrings(values), {
    localStateDir: `${process.env['RUNNER_TEMP'] ?? '/tmp'}/tslab-state`,
  });
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
