// Credentials that outlive the job, and what each teardown is told about the run it is part of.
//
// configure-aws-credentials at the pinned commit e6de0542 (v6.2.3), read in its repository: src/index.ts takes
// `role-duration-seconds` with parseInt, falling back to DEFAULT_ROLE_DURATION = 3600 (one hour), and passes it as
// DurationSeconds to AssumeRoleWithWebIdentity (src/assumeRole.ts) for OIDC; its README states 900 to 43200 seconds.
// AWS caps the session at the role's MaxSessionDuration, which docs/setup.md sets.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PINNED_ACTIONS } from './pinned-actions.ts';
import { loadWorkflows, needsOf, REPO_ROOT, type Job } from './workflow-files.ts';

const AWS_CREDENTIALS = 'aws-actions/configure-aws-credentials';
const DEFAULT_SESSION_S = 3600;
const [MIN_SESSION_S, MAX_SESSION_S] = [900, 43_200];
/** At least this much longer than the job may run: the session outlives the job whatever step it is at. */
const MARGIN_S = 10 * 60;

const workflows = loadWorkflows();
const setup = readFileSync(`${REPO_ROOT}docs/setup.md`, 'utf8');

const credentialSteps = workflows.flatMap(({ file, workflow }) =>
  Object.entries(workflow.jobs).flatMap(([id, job]) =>
    (job.steps ?? [])
      .filter((s) => s.uses?.split('@')[0] === AWS_CREDENTIALS)
      .map((step) => ({ where: `${file} ${id}`, job, step })),
  ),
);

function timeoutMinutes(job: Job): number {
  const value = (job as { 'timeout-minutes'?: unknown })['timeout-minutes'];
  if (typeof value !== 'number')
    throw new Error('every job that assumes the role sets a numeric timeout-minutes');
  return value;
}

/** The role's MaxSessionDuration as docs/setup.md sets it (create-role and update-role alike). */
function documentedMaxSession(): number {
  const values = [...setup.matchAll(/--max-session-duration (\d+)/g)].map((m) => Number(m[1]));
  expect(values.length).toBeGreaterThanOrEqual(2);
  expect(new Set(values).size, 'create-role and update-role set the same maximum').toBe(1);
  return values[0]!;
}

describe('AWS role sessions', () => {
  it('are asked for in every job that assumes the role (the checks below are not vacuous)', () => {
    expect(credentialSteps.map((c) => c.where).sort()).toEqual([
      'cleanup.yml sweep',
      'lab-reusable.yml provision',
      'lab-reusable.yml teardown',
      'lab-reusable.yml validate',
      'pr-environment.yml provision',
      'pr-environment.yml teardown',
      'pr-environment.yml validate',
    ]);
    expect(PINNED_ACTIONS[AWS_CREDENTIALS]!.inputs).toContain('role-duration-seconds');
  });

  it.each(credentialSteps.map((c) => [c.where, c] as const))(
    '%s: the session outlives the job’s timeout, within what the action and AWS accept',
    (_, { job, step }) => {
      const seconds = step.with?.['role-duration-seconds'];
      expect(typeof seconds, 'role-duration-seconds is set (the default is one hour)').toBe('number');
      const duration = seconds as number;
      expect(duration).toBeGreaterThanOrEqual(timeoutMinutes(job) * 60 + MARGIN_S);
      expect(duration).toBeGreaterThanOrEqual(MIN_SESSION_S);
      expect(duration).toBeLessThanOrEqual(MAX_SESSION_S);
      expect(duration, "above the role's documented MaxSessionDuration").toBeLessThanOrEqual(
        documentedMaxSession(),
      );
    },
  );

  it('would have needed it: the longer jobs run past the one-hour default', () => {
    const longest = Math.max(...credentialSteps.map((c) => timeoutMinutes(c.job) * 60));
    expect(longest).toBeGreaterThan(DEFAULT_SESSION_S);
  });

  it('docs/setup.md sets the role maximum to cover the longest session, within the 12 h AWS allows', () => {
    const longest = Math.max(...credentialSteps.map((c) => c.step.with?.['role-duration-seconds'] as number));
    expect(documentedMaxSession()).toBeGreaterThanOrEqual(longest);
    expect(documentedMaxSession()).toBeLessThanOrEqual(MAX_SESSION_S);
    expect(setup).toContain('aws iam update-role --role-name github-tslab --max-session-duration');
    expect(setup).toMatch(/ExpiredToken/);
  });
});

describe('teardown steps', () => {
  const teardowns = workflows.flatMap(({ file, workflow }) =>
    Object.entries(workflow.jobs).flatMap(([id, job]) =>
      (job.steps ?? [])
        .filter((s) => s.uses === './actions/teardown' && (s.with?.['mode'] ?? 'teardown') === 'teardown')
        .map((step) => ({ where: `${file} ${id}`, job, step, jobs: Object.keys(workflow.jobs) })),
    ),
  );

  it('are found in the lab and PR workflows', () => {
    expect(teardowns.map((t) => t.where).sort()).toEqual([
      'lab-reusable.yml teardown',
      'pr-environment.yml teardown',
    ]);
  });

  it.each(teardowns.map((t) => [t.where, t] as const))(
    '%s passes finished-jobs: exactly the jobs it needs (all ended when it starts)',
    (_, { job, step, jobs }) => {
      const finished = String(step.with?.['finished-jobs'] ?? '')
        .split(/[,\s]+/)
        .filter(Boolean);
      expect(finished.sort()).toEqual([...needsOf(job)].sort());
      for (const id of finished) expect(jobs).toContain(id);
    },
  );

  it('leave github-token to its default, this run’s token', () => {
    for (const { step } of teardowns) expect(step.with?.['github-token']).toBeUndefined();
  });
});
