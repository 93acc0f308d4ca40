// The lean runner path (issue 13): every job that runs terraform restores the provider plugin cache before its first
// terraform command, keyed by the committed provider lock file, and saves it only when it missed; the bundles a run
// needs are built once, by a job that holds no credential, and shared as an artifact (runner-rules.test.ts holds the
// jobs that download them to that).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveLab } from '../../src/lab/config.ts';
import { synthLab } from '../../src/targets/synth-lab.ts';
import { PINNED_ACTIONS } from './pinned-actions.ts';
import { loadWorkflows, REPO_ROOT, type Job, type Step } from './workflow-files.ts';

const workflows = loadWorkflows();
const PROVIDERS_FILE = 'scripts/terraform-providers.txt';
const LOCK_FILE = 'infra/providers/.terraform.lock.hcl';

const uses = (step: Step, action: string) => step.uses === `${action}@${PINNED_ACTIONS[action]!.sha}`;
const setsUpEngine = (step: Step) =>
  uses(step, 'hashicorp/setup-terraform') || uses(step, 'opentofu/setup-opentofu');
/** The local actions that run terraform; validate reads state through the AWS API only. */
const runsTerraform = (step: Step) =>
  step.uses === './actions/provision' || step.uses === './actions/teardown';

const terraformJobs = workflows.flatMap(({ file, workflow }) =>
  Object.entries(workflow.jobs)
    .filter(([, job]) => job.steps?.some(runsTerraform))
    .map(([id, job]) => ({ where: `${file} ${id}`, file, workflow, job, steps: job.steps! })),
);

/** `${{ github.workspace }}/<dir>` → `<dir>`, the form hashFiles (relative to the workspace) sees it in. */
function workspaceRelative(job: Job): string {
  const dir = String(job.env?.['TF_PLUGIN_CACHE_DIR']);
  const match = /^\$\{\{ github\.workspace \}\}\/([\w.-]+)$/.exec(dir);
  expect(match, `TF_PLUGIN_CACHE_DIR ${dir} is not a directory of the workspace`).not.toBeNull();
  return match![1]!;
}

describe('provider plugin cache', () => {
  it('is kept by every job that runs terraform (provision, teardown, the sweep)', () => {
    expect(terraformJobs.map((j) => j.where).sort()).toEqual([
      'cleanup.yml sweep',
      'lab-reusable.yml provision',
      'lab-reusable.yml teardown',
      'pr-environment.yml provision',
      'pr-environment.yml teardown',
    ]);
    for (const { where, steps } of terraformJobs) expect(steps.some(setsUpEngine), where).toBe(true);
  });

  it.each(terraformJobs.map((j) => [j.where, j] as const))(
    '%s: terraform sees the cache directory, and nothing lets the cache bypass the dependency lock file',
    (_, { job }) => {
      workspaceRelative(job);
      // Each stack inits with the committed lock file: terraform uses a cached provider only when it matches it.
      expect(job.env?.['TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE']).toBeUndefined();
    },
  );

  it.each(terraformJobs.map((j) => [j.where, j] as const))(
    '%s: restores the cache and creates its directory before the first terraform command, saves it after',
    (_, { steps }) => {
      const first = steps.findIndex(runsTerraform);
      const last = steps.length - 1 - [...steps].reverse().findIndex(runsTerraform);
      const restore = steps.findIndex((s) => uses(s, 'actions/cache/restore'));
      const mkdir = steps.findIndex((s) => s.run?.trim() === 'mkdir -p "$TF_PLUGIN_CACHE_DIR"');
      const save = steps.findIndex((s) => uses(s, 'actions/cache/save'));
      expect(restore, 'restore').toBeGreaterThanOrEqual(0);
      expect(restore, 'restore before the first terraform command').toBeLessThan(first);
      expect(mkdir, 'mkdir after restore').toBeGreaterThan(restore);
      expect(mkdir, 'mkdir before the first terraform command').toBeLessThan(first);
      expect(save, 'save after the last terraform command').toBeGreaterThan(last);
      // actions/cache (restore and save in one) would leave its save to a post step that runs only on success.
      expect(steps.filter((s) => s.uses?.startsWith('actions/cache@'))).toEqual([]);
    },
  );

  it.each(terraformJobs.map((j) => [j.where, j] as const))(
    '%s: saves the directory it restored, under the key it missed, only when it missed and terraform filled it',
    (_, { job, steps }) => {
      const restore = steps.find((s) => uses(s, 'actions/cache/restore'))!;
      const save = steps.find((s) => uses(s, 'actions/cache/save'))!;
      expect(restore.with?.['path']).toBe('${{ env.TF_PLUGIN_CACHE_DIR }}');
      expect(save.with?.['path']).toBe(restore.with?.['path']);
      expect(restore.id).toBeTruthy();
      expect(save.with?.['key']).toBe(`\${{ steps.${restore.id}.outputs.cache-primary-key }}`);
      expect(save.if).toContain(`steps.${restore.id}.outputs.cache-hit != 'true'`);
      expect(save.if).toContain(`hashFiles('${workspaceRelative(job)}/**') != ''`);
      expect(save.if).toContain('!cancelled()');
    },
  );

  it.each(terraformJobs.map((j) => [j.where, j] as const))(
    '%s: keys the cache by OS, architecture, the engine(s) it sets up and the provider lock file',
    (_, { steps }) => {
      const key = String(steps.find((s) => uses(s, 'actions/cache/restore'))!.with?.['key']);
      expect(key).toContain('${{ runner.os }}');
      expect(key).toContain('${{ runner.arch }}');
      expect(key).toContain(`\${{ hashFiles('${LOCK_FILE}') }}`);
      const engines = steps.filter(setsUpEngine);
      expect(engines.length).toBeGreaterThan(0);
      // Either engine chosen by input (`inputs.engine` in the key) or every engine the job sets up named in it.
      if (!key.includes('${{ inputs.engine }}'))
        for (const step of engines)
          expect(key).toContain(uses(step, 'opentofu/setup-opentofu') ? 'tofu' : 'terraform');
    },
  );

  it(`${PROVIDERS_FILE} lists exactly the providers and versions the synthesized stacks require`, () => {
    const listed = readFileSync(join(REPO_ROOT, PROVIDERS_FILE), 'utf8')
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#'))
      .map((line) => {
        const [source, ...version] = line.trim().split(/\s+/);
        return `${source} ${version.join(' ')}`;
      });
    const outdir = mkdtempSync(join(tmpdir(), 'tslab-providers-'));
    try {
      const required = new Set<string>();
      for (const lab of [
        resolveLab({ lab: 'providers', stateBucket: 'tslab-state' }),
        resolveLab({ lab: 'providers', stateBucket: 'tslab-state', egressProxyGroup: true }),
      ]) {
        for (const stack of synthLab(lab, join(outdir, String(required.size))).stacks) {
          const tf = JSON.parse(readFileSync(join(stack.workingDirectory, 'cdk.tf.json'), 'utf8')) as {
            terraform?: { required_providers?: Record<string, { source: string; version: string }> };
          };
          for (const p of Object.values(tf.terraform?.required_providers ?? {}))
            required.add(`${p.source} ${p.version}`);
        }
      }
      expect(required.size).toBeGreaterThan(0);
      expect([...listed].sort()).toEqual([...required].sort());
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('bundles built once per run', () => {
  const downloads = workflows.flatMap(({ file, workflow }) =>
    Object.entries(workflow.jobs).flatMap(([id, job]) =>
      (job.steps ?? [])
        .filter((s) => uses(s, 'actions/download-artifact'))
        .filter(() => (job.steps ?? []).some((s) => s.uses?.startsWith('./actions/')))
        .map((step) => ({ where: `${file} ${id}`, workflow, job, step })),
    ),
  );

  it('are downloaded by every job that runs a tslab action with AWS credentials', () => {
    expect(downloads.map((d) => d.where).sort()).toEqual([
      'cleanup.yml sweep',
      'lab-reusable.yml provision',
      'lab-reusable.yml teardown',
      'lab-reusable.yml validate',
      'pr-environment.yml provision',
      'pr-environment.yml teardown',
      'pr-environment.yml validate',
    ]);
  });

  it.each(downloads.map((d) => [d.where, d] as const))(
    '%s: downloads an artifact the build job of the run uploads, landing where its action loads from',
    (_, { workflow, job, step }) => {
      const action = job.steps!.find((s) => s.uses?.startsWith('./actions/'))!.uses!.slice(2);
      const uploads = Object.entries(workflow.jobs).flatMap(([id, other]) =>
        (other.steps ?? [])
          .filter((s) => uses(s, 'actions/upload-artifact') && s.with?.['name'] === step.with?.['name'])
          .map((s) => ({ id, other, s })),
      );
      expect(uploads.length).toBe(1);
      const { other: builder, s: upload } = uploads[0]!;
      // Each dist/ holds the provider lock file, a dotfile upload-artifact drops unless told to keep it.
      expect(upload.with?.['include-hidden-files']).toBe(true);
      const paths = String(upload.with?.['path'])
        .trim()
        .split('\n')
        .map((p) => p.trim());
      // upload-artifact stores paths relative to the longest directory they share, up to the first wildcard.
      const parts = paths.map((p) => p.split('/'));
      let common = 0;
      while (
        parts.every((p) => p.length > common && p[common] === parts[0]![common] && !p[common]!.includes('*'))
      )
        common++;
      const landed = paths.map((p) => posix.join(String(step.with?.['path']), ...p.split('/').slice(common)));
      const name = action.split('/')[1]!;
      expect(landed.some((l) => l === `${action}/dist` || l === 'actions/*/dist')).toBe(true);
      // The builder builds what the job runs (all three, or those this event needs).
      const build = builder.steps!.find((s) => s.run?.startsWith('npm run build -- '))!;
      const built = `${build.run} ${JSON.stringify(build.env ?? {})}`;
      expect(built).toContain(name);
    },
  );
});
