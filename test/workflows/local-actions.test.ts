// The workflows run the repository's own actions (./actions/<name>), whose bundles are not committed to main: each
// job builds the one action it runs (or, on a release commit, uses its bundle) and passes only declared inputs.
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
    '%s follows checkout, setup-node 24 with the npm cache, npm ci and a build of that one action, in that order',
    (_, { steps, index, step }) => {
      const name = step.uses!.slice('./actions/'.length);
      const checkout = firstBefore(steps, index, isAction('actions/checkout'));
      const node = firstBefore(steps, index, isAction('actions/setup-node'), checkout);
      const install = firstBefore(steps, index, runs('npm ci'), node);
      const build = firstBefore(steps, index, runs(`npm run build -- ${name}`), install);
      const missing = Object.entries({ checkout, node, install, build }).filter(([, i]) => i < 0);
      expect(missing.map(([name]) => `${name} missing or out of order`)).toEqual([]);
      expect(steps[node]!.with).toMatchObject({ 'node-version': 24, cache: 'npm' });
    },
  );

  it.each(localUses.map((u) => [`${u.where} → ${u.step.uses}`, u] as const))(
    '%s uses a released bundle as it is where a release can be checked out, and builds otherwise',
    (where, { steps, index, step }) => {
      const name = step.uses!.slice('./actions/'.length);
      const checkout = firstBefore(steps, index, isAction('actions/checkout'));
      const preparation = steps
        .slice(checkout + 1, index)
        .filter((s) => s.uses?.startsWith('actions/setup-node@') || s.run?.includes('npm '));
      const conditions = new Set(preparation.map((s) => s.if));
      // A reusable workflow may run a release commit (job.workflow_sha), which carries actions/*/dist; elsewhere a
      // job that downloads the run's build of its action builds only when that download failed.
      const callable = RELEASED_CHECKOUT.some((file) => where.startsWith(`${file} `));
      const download = steps
        .slice(checkout + 1, index)
        .find((s) => s.uses?.startsWith('actions/download-artifact@'));
      expect([...conditions]).toEqual([
        callable
          ? `hashFiles('actions/${name}/dist/index.js') == ''`
          : download && `steps.${download.id}.outcome != 'success'`,
      ]);
      expect(preparation.length).toBe(3);
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
