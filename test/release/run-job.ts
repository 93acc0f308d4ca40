// Runs one job of release.yml the way a runner does, step by step: each `run:` in bash (-eo pipefail) in the job's
// workspace with the step's env and GITHUB_OUTPUT, each `if:` evaluated, later steps skipped after a failure. The
// `uses:` steps are played by their effect: checkout clones the remote at `ref` (all branches and tags for
// fetch-depth 0), upload/download-artifact copy a directory into and out of the run's artifact store, setup-node and
// setup-terraform leave the node already on PATH and no terraform (the steps that need one are stubbed).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate, jobCondition, type Lookup } from '../workflows/expression.ts';
import { path } from '../workflows/simulate.ts';
import type { Step, Workflow } from '../workflows/workflow-files.ts';

export interface GithubContext {
  ref_name: string;
  sha: string;
  token: string;
  server_url: string;
  repository: string;
  event: { created: boolean; repository: { default_branch: string } };
}

export interface JobContext {
  github: GithubContext;
  /** The run's artifact store: artifacts outlive a job, and every attempt of the run sees them. */
  artifacts: string;
  /** A fresh directory for this job's workspace and RUNNER_TEMP. */
  home: string;
  /** Environment every step gets (PATH with the stand-ins, git's configuration). */
  env: NodeJS.ProcessEnv;
}

export interface StepRun {
  name: string;
  outcome: 'success' | 'failure' | 'skipped';
  output: string;
  outputs: Record<string, string>;
}

export interface JobRun {
  result: 'success' | 'failure';
  steps: StepRun[];
  /** Every step's stdout and stderr, in order. */
  log: string;
}

function stepName(step: Step): string {
  return step.name ?? step.uses?.split('@')[0] ?? step.run!.split('\n')[0]!;
}

export function runJob(workflow: Workflow, jobId: string, context: JobContext): JobRun {
  const job = workflow.jobs[jobId];
  if (!job?.steps) throw new Error(`release.yml has no job ${jobId} with steps`);
  const workspace = join(context.home, 'workspace');
  const runnerTemp = join(context.home, 'temp');
  mkdirSync(workspace, { recursive: true });
  mkdirSync(runnerTemp, { recursive: true });
  const steps: Record<string, { outputs: Record<string, string>; outcome: string; conclusion: string }> = {};
  const lookup: Lookup = ([head, ...rest]) => {
    if (head === 'github') return path(context.github, rest);
    if (head === 'runner') return path({ temp: runnerTemp, os: 'Linux', arch: 'X64' }, rest);
    if (head === 'steps') return path(steps, rest);
    throw new Error(`context '${head}' is not modelled by run-job`);
  };
  const interpolate = (text: string): string =>
    text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, body: string) => {
      const value = evaluate(body, lookup, {
        success: () => true,
        failure: () => false,
        cancelled: () => false,
      });
      return value === null ? '' : String(value);
    });

  const runs: StepRun[] = [];
  let failed = false;
  for (const step of job.steps) {
    const status = { success: () => !failed, failure: () => failed, cancelled: () => false };
    if (!jobCondition(step.if, lookup, status)) {
      runs.push({ name: stepName(step), outcome: 'skipped', output: '', outputs: {} });
      continue;
    }
    const inputs = Object.fromEntries(
      Object.entries(step.with ?? {}).map(([key, value]) => [key, interpolate(String(value))]),
    );
    const run = step.uses
      ? playAction(step.uses.split('@')[0]!, inputs, { workspace, context })
      : runScript(interpolate(step.run!), {
          workspace,
          runnerTemp,
          context,
          env: Object.fromEntries(
            Object.entries(step.env ?? {}).map(([key, value]) => [key, interpolate(String(value))]),
          ),
        });
    const outcome = run.ok ? 'success' : 'failure';
    if (step.id) steps[step.id] = { outputs: run.outputs, outcome, conclusion: outcome };
    runs.push({ name: stepName(step), outcome, output: run.output, outputs: run.outputs });
    if (!run.ok) failed = true;
  }
  return {
    result: failed ? 'failure' : 'success',
    steps: runs,
    log: runs.map((r) => `## ${r.name} (${r.outcome})\n${r.output}`).join('\n'),
  };
}

interface Played {
  ok: boolean;
  output: string;
  outputs: Record<string, string>;
}

function runScript(
  script: string,
  where: { workspace: string; runnerTemp: string; context: JobContext; env: Record<string, string> },
): Played {
  const outputFile = join(where.runnerTemp, `output-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(outputFile, '');
  const { github } = where.context;
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    cwd: where.workspace,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      ...where.context.env,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_REF_NAME: github.ref_name,
      GITHUB_SHA: github.sha,
      GITHUB_REPOSITORY: github.repository,
      GITHUB_SERVER_URL: github.server_url,
      GITHUB_WORKSPACE: where.workspace,
      GITHUB_OUTPUT: outputFile,
      RUNNER_TEMP: where.runnerTemp,
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      ...where.env,
    },
  });
  const outputs = Object.fromEntries(
    readFileSync(outputFile, 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`, outputs };
}

function playAction(
  action: string,
  inputs: Record<string, string>,
  where: { workspace: string; context: JobContext },
): Played {
  const { github, artifacts, env } = where.context;
  const done = (ok: boolean, output = ''): Played => ({ ok, output, outputs: {} });
  switch (action) {
    case 'actions/checkout': {
      if (inputs['fetch-depth'] !== '0' || inputs['persist-credentials'] !== 'false') {
        return done(false, `run-job plays checkout with fetch-depth 0 and persist-credentials false only`);
      }
      const git = (...args: string[]) =>
        spawnSync('git', args, {
          cwd: where.workspace,
          encoding: 'utf8',
          env: { ...env, GIT_TERMINAL_PROMPT: '0' },
        });
      const steps = [
        git('init', '--quiet'),
        git(
          'fetch',
          '--quiet',
          `${github.server_url}/${github.repository}`,
          '+refs/heads/*:refs/remotes/origin/*',
          '+refs/tags/*:refs/tags/*',
        ),
        git('checkout', '--quiet', '--detach', inputs['ref'] || github.sha),
      ];
      const failedStep = steps.find((s) => s.status !== 0);
      return done(!failedStep, failedStep?.stderr ?? '');
    }
    case 'actions/setup-node':
    case 'hashicorp/setup-terraform':
      return done(true);
    case 'actions/upload-artifact': {
      const stored = join(artifacts, inputs['name']!);
      const source = inputs['path']!;
      if (!existsSync(source) || readdirSync(source).length === 0) {
        return done(
          inputs['if-no-files-found'] !== 'error',
          `No files were found with the provided path: ${source}`,
        );
      }
      if (existsSync(stored)) {
        if (inputs['overwrite'] !== 'true') return done(false, 'an artifact with this name already exists');
        rmSync(stored, { recursive: true });
      }
      cpSync(source, stored, { recursive: true });
      return done(true);
    }
    case 'actions/download-artifact': {
      const stored = join(artifacts, inputs['name']!);
      if (!existsSync(stored)) return done(false, `Artifact not found for name: ${inputs['name']}`);
      cpSync(stored, inputs['path']!, { recursive: true });
      return done(true);
    }
    default:
      return done(false, `run-job cannot play ${action}`);
  }
}
