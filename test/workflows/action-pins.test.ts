import { describe, expect, it } from 'vitest';
import { PINNED_ACTIONS } from './pinned-actions.ts';
import { loadWorkflows, remoteUses } from './workflow-files.ts';

const workflows = loadWorkflows();

describe('third-party actions', () => {
  const uses = workflows.flatMap((file) => remoteUses(file).map((u) => ({ file: file.file, ...u })));

  it('are found in every workflow that runs steps (a silent miss cannot pass)', () => {
    const withSteps = workflows.filter((w) => Object.values(w.workflow.jobs).some((j) => j.steps?.length));
    for (const w of withSteps) expect(uses.filter((u) => u.file === w.file).length).toBeGreaterThan(0);
  });

  it('are each pinned to a full 40-hex commit SHA with the version in a trailing comment', () => {
    const loose = uses.filter(
      (u) =>
        !/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(u.ref) || !/@[0-9a-f]{40} # v\d+\.\d+\.\d+\s*$/.test(u.line),
    );
    expect(loose.map((u) => `${u.file}: ${u.line.trim()}`)).toEqual([]);
  });

  it('are only the vetted ones, at the vetted commit and version everywhere', () => {
    const mismatched = uses.filter((u) => {
      const [action = '', sha] = u.ref.split('@');
      const pin = PINNED_ACTIONS[action];
      return !pin || pin.sha !== sha || !u.line.trimEnd().endsWith(`# ${pin.version}`);
    });
    expect(mismatched.map((u) => `${u.file}: ${u.line.trim()}`)).toEqual([]);
  });

  it('get only inputs they declare (actionlint cannot check inputs of SHA-pinned actions)', () => {
    const unknown: string[] = [];
    for (const { file, workflow } of workflows) {
      for (const [jobId, job] of Object.entries(workflow.jobs)) {
        for (const step of job.steps ?? []) {
          if (!step.uses || step.uses.startsWith('./')) continue;
          const pin = PINNED_ACTIONS[step.uses.split('@')[0]!];
          for (const key of Object.keys(step.with ?? {})) {
            if (!pin?.inputs.includes(key))
              unknown.push(`${file} ${jobId}: ${step.uses.split('@')[0]} has no input '${key}'`);
          }
        }
      }
    }
    expect(unknown).toEqual([]);
  });

  it('include no reusable workflow of another repository (only ./.github/workflows)', () => {
    const remoteWorkflows = workflows.flatMap(({ file, workflow }) =>
      Object.values(workflow.jobs)
        .filter((job) => job.uses !== undefined && !job.uses.startsWith('./.github/workflows/'))
        .map((job) => `${file}: ${job.uses}`),
    );
    expect(remoteWorkflows).toEqual([]);
  });
});
