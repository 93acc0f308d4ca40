// The workflows run the repository's own actions (./actions/<name>), whose bundles are not committed to main: a build
// job of the run, holding no credential, builds them (or, on a release commit, hands on the release's own), the job
// running an action downloads them, and passes only declared inputs.
import { describe, expect, it } from 'vitest';
import { PINNED_ACTIONS } from './pinned-actions.ts';
import { loadWorkflows, localAction, type Step } from './workflow-files.ts';

const workflows = loadWorkflows();

const localUses = workflows.flatMap(({ file, workflow }) =>
  Object.entries(workflow.jobs).flatMap(([jobId, job]) =>
    (job.steps ?? []).flatMap((step, index) =>
      step.uses?.startsWith('./actions/')
        ? [{ where: `${file} ${jobId}`, steps: job.steps!, index, step }]
        : [],
    ),
  ),
);

/** Index of the first step before `before` that satisfies the test, or -1. */
function firstBefore(steps: Step[], before: number, test: (step: Step) => boolean, after = -1): number {
  for (let i = after + 1; i < before; i++) if (test(steps[i]!)) return i;
  return -1;
}

/** Workflows other repositories call, whose checkout may be a release commit. */
const RELEASED_CHECKOUT = ['lab-reusable.yml', 'cleanup.yml'];

const isAction = (name: string) => (step: Step) => step.uses === `${name}@${PINNED_ACTIONS[name]!.sha}`;
const runs = (command: string) => (step: Step) => step.run?.trim() === command;

describe('local actions', () => {
  it('are used by the lab workflows (provision, validate and teardown all appear)', () => {
    expect(new Set(localUses.map((u) => u.step.uses))).toEqual(
      new Set(['./actions/provision', './actions/validate', './actions/teardown']),
    );
  });

  it.each(localUses.map((u) => [`${u.where} → ${u.step.uses}`, u] as const))(
    '%s follows checkout and the download of the run’s build, in that order, and builds nothing itself',
    (_, { steps, index }) => {
      const checkout = firstBefore(steps, index, isAction('actions/checkout'));
      const download = firstBefore(steps, index, isAction('actions/download-artifact'), checkout);
      expect(checkout).toBeGreaterThanOrEqual(0);
      expect(download).toBeGreaterThan(checkout);
      expect(steps.filter((s) => isAction('actions/setup-node')(s) || /\bnpm\b/.test(s.run ?? ''))).toEqual(
        [],
      );
    },
  );

  const builders = workflows.flatMap(({ file, workflow }) =>
    Object.entries(workflow.jobs)
      .filter(([, job]) => (job.steps ?? []).some((s) => s.run?.startsWith('npm run build -- ')))
      .map(([id, job]) => ({ where: `${file} ${id}`, file, steps: job.steps! })),
  );

  it.each(builders.map((b) => [b.where, b] as const))(
    '%s installs with setup-node 24 and the npm cache, then builds; on a release commit it uses the bundles as they are',
    (_, { file, steps }) => {
      const node = steps.findIndex(isAction('actions/setup-node'));
      const install = steps.findIndex(runs('npm ci'));
      const build = steps.findIndex((s) => s.run?.startsWith('npm run build -- '));
      expect(node).toBeGreaterThanOrEqual(0);
      expect(install).toBeGreaterThan(node);
      expect(build).toBeGreaterThan(install);
      expect(steps[node]!.with).toMatchObject({ 'node-version': 24, cache: 'npm' });
      // A reusable workflow may run a release commit (job.workflow_sha), which carries actions/*/dist.
      const conditions = new Set([node, install, build].map((i) => steps[i]!.if));
      expect([...conditions]).toEqual([
        RELEASED_CHECKOUT.includes(file)
          ? expect.stringMatching(
              /^hashFiles\('actions\/\w+\/dist\/index\.js'(, 'actions\/\w+\/dist\/index\.js')*\) == ''$/,
            )
          : undefined,
      ]);
    },
  );

  it.each(localUses.map((u) => [`${u.where} → ${u.step.uses}`, u] as const))(
    '%s passes only inputs its action.yml declares, and every required one',
    (_, { step }) => {
      const { inputs } = localAction(step.uses!);
      const passed = Object.keys(step.with ?? {});
      expect(passed.filter((key) => !(key in inputs))).toEqual([]);
      const required = Object.entries(inputs)
        .filter(([, spec]) => spec.required === true && spec.default === undefined)
        .map(([name]) => name);
      expect(required.filter((name) => !passed.includes(name))).toEqual([]);
    },
  );

  it('outputs read from local action steps are declared in their action.yml', () => {
    const missing: string[] = [];
    for (const { file, workflow } of workflows) {
      for (const [jobId, job] of Object.entries(workflow.jobs)) {
        const ids = new Map((job.steps ?? []).filter((s) => s.id).map((s) => [s.id!, s]));
        const text = JSON.stringify(job);
        for (const m of text.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
          const step = ids.get(m[1]!);
          if (!step?.uses?.startsWith('./actions/')) continue;
          if (!(m[2]! in localAction(step.uses).outputs))
            missing.push(`${file} ${jobId}: ${step.uses} → ${m[2]}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
