// The rules every workflow obeys, the repository's own and every example in README.md and docs/ alike, because a
// GitHub-hosted runner is not this machine: ubuntu-latest has no terraform, and a job that can assume the lab's AWS
// role must run nothing unverified (docs/supply-chain.md).
//   1. A job that runs tslab (its tests, the local lab, the CLI or an action) sets the engine up first: a pinned
//      hashicorp/setup-terraform with terraform_wrapper: false (and opentofu/setup-opentofu where the engine may be
//      tofu), at the version .github/pins.env names.
//   2. A job that can get AWS credentials or an OIDC token installs no npm package and builds nothing: it runs a
//      released bundle, or one a job without credentials built and handed over as an artifact.
//   3. Such a job joins the tailnet before it gets AWS credentials, with a Tailscale binary pinned by version and
//      sha256 (never from the action's unchecked cache); the repository's workflows also check the engine binary
//      against its pin before the credentials.
//   4. Teardown is a job of its own that runs after provision whatever happened (`always()`), the AWS session
//      outlives the job's timeout, permissions are listed per scope, and runs of one lab never overlap.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PINNED_ACTIONS } from './pinned-actions.ts';
import {
  loadDocExamples,
  loadWorkflows,
  needsOf,
  permissionsOf,
  REPO_ROOT,
  type Job,
  type Step,
  type Workflow,
  type WorkflowFile,
} from './workflow-files.ts';

const repository = loadWorkflows().map((w) => ({ ...w, origin: 'repository' as const }));
const examples = loadDocExamples().map((w) => ({ ...w, origin: 'example' as const }));
const everything = [...repository, ...examples];

const PINS = readFileSync(`${REPO_ROOT}.github/pins.env`, 'utf8');
const pinned = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(PINS)?.[1];

const TSLAB_ACTION = /^(?:\.\/actions\/|[\w.-]+\/tslab\/actions\/)(provision|validate|teardown)(?:@|$)/;
const RUNS_TSLAB = /\b(npm test|npm run (lab|tslab|test:unit)|npx (tslab|vitest)|node bin\/tslab\.js)\b/;
const INSTALLS_PACKAGES = /\b(npm|npx|yarn|pnpm)\b|--import tsx/;

const isPinned = (step: Step, action: string) => step.uses === `${action}@${PINNED_ACTIONS[action]!.sha}`;
const tslabAction = (step: Step) => TSLAB_ACTION.exec(step.uses ?? '')?.[1];
const runsTslab = (step: Step) => tslabAction(step) !== undefined || RUNS_TSLAB.test(step.run ?? '');
const setsUpTerraform = (step: Step) =>
  isPinned(step, 'hashicorp/setup-terraform') && step.with?.['terraform_wrapper'] === false;
const setsUpTofu = (step: Step) =>
  isPinned(step, 'opentofu/setup-opentofu') && step.with?.['tofu_wrapper'] === false;
const takesAwsCredentials = (step: Step) =>
  step.uses?.split('@')[0] === 'aws-actions/configure-aws-credentials';
const joinsTailnet = (step: Step) => step.uses?.split('@')[0] === 'tailscale/github-action';

interface JobAt {
  where: string;
  origin: 'repository' | 'example';
  file: WorkflowFile;
  id: string;
  job: Job;
  steps: Step[];
}

const jobsOf = (files: typeof everything): JobAt[] =>
  files.flatMap((file) =>
    Object.entries(file.workflow.jobs)
      .filter(([, job]) => job.steps)
      .map(([id, job]) => ({
        where: `${file.file} ${id}`,
        origin: file.origin,
        file,
        id,
        job,
        steps: job.steps!,
      })),
  );

const allJobs = jobsOf(everything);
const tslabJobs = allJobs.filter((j) => j.steps.some(runsTslab));

/** Job permissions, or the workflow's where the job lists none. */
const effectivePermissions = (workflow: Workflow, job: Job) =>
  job.permissions === undefined ? permissionsOf(workflow) : permissionsOf(job);
const canGetCredentials = ({ file, job, steps }: JobAt) =>
  effectivePermissions(file.workflow, job)['id-token'] === 'write' || steps.some(takesAwsCredentials);
const privileged = allJobs.filter(canGetCredentials);

describe('the rules have something to hold (none of the checks below is vacuous)', () => {
  it('reads the workflows and the examples, and finds jobs running tslab and jobs holding credentials in both', () => {
    expect(repository.length).toBeGreaterThanOrEqual(6);
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const origin of ['repository', 'example'] as const) {
      expect(tslabJobs.filter((j) => j.origin === origin).length, origin).toBeGreaterThan(0);
      expect(privileged.filter((j) => j.origin === origin).length, origin).toBeGreaterThan(0);
    }
  });
});

/** What rule 1 finds wrong with a job that runs tslab (nothing, for a job that keeps it). */
function engineSetupViolations({ steps, origin }: Pick<JobAt, 'steps' | 'origin'>): string[] {
  const found: string[] = [];
  const first = steps.findIndex(runsTslab);
  const terraform = steps.findIndex(setsUpTerraform);
  if (terraform < 0) found.push('no pinned hashicorp/setup-terraform with terraform_wrapper: false');
  else if (terraform > first) found.push('terraform is set up after the first step that runs tslab');
  // Where an action may be handed engine: tofu, OpenTofu is set up too (each under its own condition).
  const mayUseTofu = steps.some(
    (s) => tslabAction(s) && s.with?.['engine'] !== undefined && s.with['engine'] !== 'terraform',
  );
  const tofu = steps.findIndex(setsUpTofu);
  if (mayUseTofu && (tofu < 0 || tofu > first))
    found.push(
      'engine may be tofu, but no pinned opentofu/setup-opentofu with tofu_wrapper: false comes first',
    );
  for (const step of steps.filter((s) => setsUpTerraform(s) || setsUpTofu(s))) {
    const version = String(step.with?.['terraform_version'] ?? step.with?.['tofu_version']);
    if (origin === 'repository') {
      // One version for every workflow: the one .github/pins.env names, read by scripts/pins.sh.
      const pins = steps.findIndex((s) => s.id === 'pins');
      if (!/^\$\{\{ steps\.pins\.outputs\.(terraform|tofu)-version \}\}$/.test(version))
        found.push(`version ${version} is not the pinned one (steps.pins.outputs)`);
      if (!/^scripts\/pins\.sh (versions|aws) >> "\$GITHUB_OUTPUT"$/.test(steps[pins]?.run ?? ''))
        found.push('no pins step reading .github/pins.env');
      else if (pins > steps.indexOf(step)) found.push('the pins step comes after the set-up');
    } else {
      const expected = pinned(setsUpTofu(step) ? 'TOFU_VERSION' : 'TERRAFORM_VERSION');
      if (version !== expected) found.push(`version ${version}, but .github/pins.env pins ${expected}`);
    }
  }
  return found;
}

describe('1. the engine is set up before tslab runs', () => {
  it.each(tslabJobs.map((j) => [j.where, j] as const))('%s', (_, job) => {
    expect(engineSetupViolations(job)).toEqual([]);
  });

  it('pins versions at or above the engine minimum the tests, doctor and .ci/run check', async () => {
    const { MIN_ENGINE_VERSION, atLeast } = await import('../../src/engine/engine-version.ts');
    expect(atLeast(pinned('TERRAFORM_VERSION')!, MIN_ENGINE_VERSION)).toBe(true);
    expect(atLeast(pinned('TOFU_VERSION')!, MIN_ENGINE_VERSION)).toBe(true);
  });

  it('reports a job whose set-up is missing, late or at another version (the rule fails when it should)', () => {
    for (const job of [
      tslabJobs.find((j) => j.origin === 'repository')!,
      tslabJobs.find((j) => j.origin === 'example')!,
    ]) {
      const setup = job.steps.findIndex(setsUpTerraform);
      const without = job.steps.filter((s) => !setsUpTerraform(s));
      expect(engineSetupViolations({ ...job, steps: without }), job.where).toContain(
        'no pinned hashicorp/setup-terraform with terraform_wrapper: false',
      );
      const late = [...without, job.steps[setup]!];
      expect(engineSetupViolations({ ...job, steps: late }), job.where).toContain(
        'terraform is set up after the first step that runs tslab',
      );
      const other = job.steps.map((s, i) =>
        i === setup ? { ...s, with: { ...s.with, terraform_version: '1.9.0' } } : s,
      );
      expect(engineSetupViolations({ ...job, steps: other }).length, job.where).toBe(1);
    }
  });
});

describe('2. no npm package is installed, and nothing built, where credentials can be had', () => {
  it.each(privileged.map((j) => [j.where, j] as const))('%s', (_, { steps }) => {
    expect(steps.filter((s) => s.uses?.split('@')[0] === 'actions/setup-node').length, 'setup-node').toBe(0);
    expect(steps.filter((s) => INSTALLS_PACKAGES.test(s.run ?? '')).map((s) => s.run)).toEqual([]);
  });

  const localRunners = privileged.filter((j) => j.steps.some((s) => s.uses?.startsWith('./actions/')));

  it.each(localRunners.map((j) => [j.where, j] as const))(
    '%s runs a bundle built by a job of the run that holds no credential, downloaded before it',
    (_, { file, job, steps }) => {
      const first = steps.findIndex((s) => s.uses?.startsWith('./actions/'));
      const download = steps.findIndex((s) => isPinned(s, 'actions/download-artifact'));
      expect(download).toBeGreaterThanOrEqual(0);
      expect(download).toBeLessThan(first);
      expect(steps[download]!['continue-on-error'], 'a failed download fails the job').toBeUndefined();
      const name = steps[download]!.with?.['name'];
      const builders = Object.entries(file.workflow.jobs).filter(([, other]) =>
        (other.steps ?? []).some((s) => isPinned(s, 'actions/upload-artifact') && s.with?.['name'] === name),
      );
      expect(builders.length).toBe(1);
      const [builderId, builder] = builders[0]!;
      expect(needsOf(job)).toContain(builderId);
      expect(permissionsOf(builder)).toEqual({ contents: 'read' });
      expect(builder.environment).toBeUndefined();
      expect((builder.steps ?? []).some(takesAwsCredentials)).toBe(false);
    },
  );
});

describe('3. tailnet first, then AWS credentials, and only pinned binaries', () => {
  const tailscaleSteps = allJobs.flatMap((j) => j.steps.filter(joinsTailnet).map((step) => ({ ...j, step })));

  it.each(tailscaleSteps.map((t) => [t.where, t] as const))(
    '%s installs Tailscale pinned by version and sha256, bypassing the unchecked cache',
    (_, { step, origin }) => {
      expect(step.with?.['use-cache']).toBe('false');
      if (origin === 'repository') {
        expect(step.with?.['version']).toBe('${{ steps.pins.outputs.tailscale-version }}');
        expect(step.with?.['sha256sum']).toBe('${{ steps.pins.outputs.tailscale-sha256 }}');
      } else {
        expect(String(step.with?.['version'])).toBe(pinned('TAILSCALE_VERSION'));
        expect(String(step.with?.['sha256sum'] ?? '')).not.toBe('');
      }
    },
  );

  const credentialed = allJobs.filter((j) => j.steps.some(takesAwsCredentials));

  it.each(credentialed.map((j) => [j.where, j] as const))(
    '%s joins the tailnet, and checks the engine, before it takes AWS credentials',
    (_, { steps, origin }) => {
      const aws = steps.findIndex(takesAwsCredentials);
      const join = steps.findIndex(joinsTailnet);
      if (join >= 0) expect(join, 'tailnet before AWS credentials').toBeLessThan(aws);
      if (origin !== 'repository') {
        // An example has no scripts/pins.sh: a step of its own checks both binaries against pinned checksums
        // (run below, for real) before the Tailscale binary is installed and before any credential exists.
        const check = steps.findIndex((s) => (s.run ?? '').includes('sha256sum --check'));
        expect(check, 'a step checking the pinned checksums').toBeGreaterThan(
          steps.findIndex(setsUpTerraform),
        );
        if (join >= 0) expect(check).toBeLessThan(join);
        expect(check).toBeLessThan(aws);
        const env = Object.values(steps[check]!.env ?? {}).map(String);
        if (join >= 0) expect(env).toContain(String(steps[join]!.with?.['sha256sum']));
        return;
      }
      const pins = steps.findIndex((s) => s.id === 'pins');
      expect(steps[pins]?.run, 'fails closed while the Tailscale checksum is not pinned').toBe(
        'scripts/pins.sh aws >> "$GITHUB_OUTPUT"',
      );
      const verify = steps.findIndex((s) => /scripts\/pins\.sh verify-engine/.test(s.run ?? ''));
      const setups = steps.flatMap((s, i) => (setsUpTerraform(s) || setsUpTofu(s) ? [i] : []));
      expect(setups.length).toBeGreaterThan(0);
      expect(verify, 'engine verified after its set-up').toBeGreaterThan(Math.max(...setups));
      expect(verify, 'engine verified before AWS credentials').toBeLessThan(aws);
      for (const s of steps.filter((s) => setsUpTofu(s) || setsUpTerraform(s))) {
        const engine = setsUpTofu(s) ? 'tofu' : 'terraform';
        const run = steps[verify]!.run!;
        expect(
          run.includes(`verify-engine ${engine}`) || run.includes('verify-engine "$ENGINE"'),
          engine,
        ).toBe(true);
      }
    },
  );

  it('lets no plugin cache bypass the provider lock file anywhere', () => {
    for (const { file, text } of everything)
      expect(text, file).not.toContain('MAY_BREAK_DEPENDENCY_LOCK_FILE');
  });
});

describe('4. teardown, session length, permissions, concurrency', () => {
  const provisioning = everything.filter((f) =>
    Object.values(f.workflow.jobs).some((job) =>
      (job.steps ?? []).some((s) => tslabAction(s) === 'provision'),
    ),
  );

  it.each(provisioning.map((f) => [f.file, f] as const))(
    '%s tears down in a job of its own that needs provision and runs whatever happened',
    (file, { workflow }) => {
      const entries = Object.entries(workflow.jobs);
      const both = entries.filter(([, job]) => {
        const actions = (job.steps ?? []).map(tslabAction);
        return actions.includes('provision') && actions.includes('teardown');
      });
      expect(
        both.map(([id]) => id),
        'provision and teardown in one job',
      ).toEqual([]);
      // The PR flow provisions on a push and tears down on the close event (the sweeper is its backstop).
      if (file === 'pr-environment.yml') return;
      const provisioner = entries.find(([, job]) =>
        (job.steps ?? []).some((s) => tslabAction(s) === 'provision'),
      )!;
      const teardown = entries.find(([, job]) =>
        (job.steps ?? []).some((s) => tslabAction(s) === 'teardown'),
      );
      expect(teardown, 'a teardown job').toBeDefined();
      expect(needsOf(teardown![1])).toContain(provisioner[0]);
      expect(String(teardown![1].if)).toMatch(/^always\(\)/);
    },
  );

  const credentialed = allJobs.filter((j) => j.steps.some(takesAwsCredentials));

  it.each(credentialed.map((j) => [j.where, j] as const))(
    '%s asks for an AWS session longer than the job may run',
    (_, { job, steps }) => {
      const timeout = (job as { 'timeout-minutes'?: number })['timeout-minutes'];
      expect(timeout, 'timeout-minutes').toBeGreaterThan(0);
      for (const step of steps.filter(takesAwsCredentials))
        expect(Number(step.with?.['role-duration-seconds'])).toBeGreaterThan(timeout! * 60);
    },
  );

  it.each(everything.map((f) => [f.file, f] as const))(
    '%s lists its permissions scope by scope, top or per job, and writes nothing at the top',
    (_, { workflow }) => {
      const top = permissionsOf(workflow);
      expect(Object.values(top).filter((v) => v === 'write')).toEqual([]);
      for (const job of Object.values(workflow.jobs)) {
        if (workflow.permissions === undefined)
          expect(job.permissions, 'permissions on every job').toBeDefined();
        permissionsOf(job);
      }
    },
  );

  it.each(provisioning.map((f) => [f.file, f] as const))(
    '%s never runs two builds of one lab at once (a concurrency group that is never cancelled)',
    (_, { workflow }) => {
      const groups = [workflow, ...Object.values(workflow.jobs)]
        .map((scope) => scope.concurrency)
        .filter((c) => c !== undefined);
      expect(groups.length).toBeGreaterThan(0);
      for (const group of groups) {
        expect(typeof group).toBe('object');
        expect(String((group as { 'cancel-in-progress'?: unknown })['cancel-in-progress'])).toBe('false');
      }
    },
  );
});

describe('the examples’ checksum step, run as a runner runs it (bash -e)', () => {
  const checks = allJobs
    .filter((j) => j.origin === 'example')
    .flatMap((j) =>
      j.steps.filter((s) => (s.run ?? '').includes('sha256sum --check')).map((step) => ({ ...j, step })),
    );
  const bin = mkdtempSync(join(tmpdir(), 'tslab-example-check-'));
  afterAll(() => rmSync(bin, { recursive: true, force: true }));
  writeFileSync(join(bin, 'terraform'), '#!/bin/sh\necho stand-in terraform\n');
  chmodSync(join(bin, 'terraform'), 0o755);
  const good = createHash('sha256')
    .update(readFileSync(join(bin, 'terraform')))
    .digest('hex');

  const run = (script: string, env: Record<string, string>) =>
    spawnSync('bash', ['-e', '-c', script], {
      env: { PATH: `${bin}:${process.env['PATH']}`, ...env },
      encoding: 'utf8',
    }).status;

  it('finds one in every job of an example that takes AWS credentials', () => {
    expect(checks.length).toBe(
      allJobs.filter((j) => j.origin === 'example' && j.steps.some(takesAwsCredentials)).length,
    );
  });

  it.each(checks.map((c) => [c.where, c] as const))(
    '%s passes pinned checksums, and stops on an empty or a wrong one',
    (_, { step }) => {
      const names = Object.keys(step.env ?? {});
      const tailscale = names.find((n) => n.startsWith('TAILSCALE'))!;
      const terraform = names.find((n) => n.startsWith('TERRAFORM'))!;
      const pinnedTailscale = 'a'.repeat(64);
      expect(run(step.run!, { [tailscale]: pinnedTailscale, [terraform]: good })).toBe(0);
      expect(run(step.run!, { [tailscale]: '', [terraform]: good })).not.toBe(0);
      expect(run(step.run!, { [tailscale]: pinnedTailscale, [terraform]: '' })).not.toBe(0);
      expect(run(step.run!, { [tailscale]: pinnedTailscale, [terraform]: 'b'.repeat(64) })).not.toBe(0);
    },
  );
});
