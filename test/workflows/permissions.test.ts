// Least privilege for the GITHUB_TOKEN: read-only by default, the OIDC token only where a role is assumed, comment
// and deployment writes only where they are made.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  loadWorkflows,
  permissionsOf,
  workflow,
  WORKFLOW_DIR,
  type Job,
  type Workflow,
} from './workflow-files.ts';

const workflows = loadWorkflows();
const AWS_CREDENTIALS = 'aws-actions/configure-aws-credentials';

function assumesRole(job: Job): boolean {
  if (job.uses?.startsWith('./.github/workflows/')) {
    // A called workflow's jobs get at most the caller job's permissions, so the caller grants what they need.
    const called = workflow(job.uses.slice('./.github/workflows/'.length));
    return Object.values(called.jobs).some(assumesRole);
  }
  return (job.steps ?? []).some((s) => s.uses?.split('@')[0] === AWS_CREDENTIALS);
}

/** The steps that write the sticky comment and the pr-<n> deployment. */
const PR_WRITING_ENTRIES = [
  'src/github/close-pr-environment.ts',
  'src/github/report-provision.ts',
  'src/github/report-validation.ts',
];

function writesToPullRequest(job: Job): boolean {
  return (job.steps ?? []).some(
    (s) =>
      ((s.uses === './actions/validate' || s.uses === './actions/provision') &&
        String(s.with?.['comment-on-pr']) === 'true') ||
      PR_WRITING_ENTRIES.some((entry) => (s.run ?? '').includes(entry)),
  );
}

/** The PR gate: reads the pull request's state and labels through `gh api .../pulls/<n>`. */
function asksForThePullRequest(job: Job): boolean {
  return (job.steps ?? []).some((s) => /gh api "repos\/\$GH_REPO\/pulls\//.test(s.run ?? ''));
}

/** refresh-pins.yml's job that proposes the refreshed pins as a pull request. */
function opensPullRequest(job: Job): boolean {
  return (job.steps ?? []).some((s) => (s.run ?? '').includes('gh pr create'));
}

/** A job that may take a lab's run lock over: it tears down, sweeps or provisions (a push after a lost run). */
function takesLocksOver(job: Job): boolean {
  if (job.uses?.startsWith('./.github/workflows/')) {
    const called = workflow(job.uses.slice('./.github/workflows/'.length));
    return Object.values(called.jobs).some(takesLocksOver);
  }
  return (job.steps ?? []).some((s) => s.uses === './actions/teardown' || s.uses === './actions/provision');
}

function sweeps(job: Job): boolean {
  return (job.steps ?? []).some((s) => s.uses === './actions/teardown' && s.with?.['mode'] === 'sweep');
}

const jobs = (wf: Workflow) => Object.entries(wf.jobs);

describe('workflow permissions', () => {
  it.each(workflows.map((w) => [w.file, w.workflow] as const))(
    '%s grants contents: read and nothing else at the top',
    (_, wf) => {
      expect(permissionsOf(wf)).toEqual({ contents: 'read' });
    },
  );

  it('grant id-token: write exactly to the jobs that assume the AWS role', () => {
    const mismatched: string[] = [];
    for (const { file, workflow: wf } of workflows) {
      for (const [id, job] of jobs(wf)) {
        const granted = permissionsOf(job)['id-token'] === 'write';
        if (granted !== assumesRole(job)) {
          mismatched.push(`${file} ${id}: id-token ${granted ? 'granted but unused' : 'missing'}`);
        }
      }
    }
    expect(mismatched).toEqual([]);
  });

  it('find jobs that assume the role in every cloud workflow (the check above is not vacuous)', () => {
    for (const file of ['lab-reusable.yml', 'pr-environment.yml', 'cleanup.yml']) {
      expect(jobs(workflow(file)).filter(([, job]) => assumesRole(job)).length, file).toBeGreaterThan(0);
    }
    expect(jobs(workflow('ci.yml')).filter(([, job]) => assumesRole(job))).toEqual([]);
  });

  it('grant pull-requests and deployments: write only to the jobs that comment or deploy', () => {
    const mismatched: string[] = [];
    for (const { file, workflow: wf } of workflows) {
      for (const [id, job] of jobs(wf)) {
        const permissions = permissionsOf(job);
        for (const scope of ['pull-requests', 'deployments']) {
          const granted = permissions[scope] === 'write';
          const wanted = writesToPullRequest(job) || (scope === 'pull-requests' && opensPullRequest(job));
          if (granted !== wanted) mismatched.push(`${file} ${id}: ${scope}`);
        }
      }
    }
    expect(mismatched).toEqual([]);
    expect(
      jobs(workflow('pr-environment.yml'))
        .filter(([, job]) => writesToPullRequest(job))
        .map(([id]) => id),
    ).toEqual(['provision', 'provision-report', 'validate', 'validate-report', 'close-environment']);
  });

  it('grant actions: read exactly to the jobs that may take a lock over (is the run holding it still alive?)', () => {
    const mismatched: string[] = [];
    for (const { file, workflow: wf } of workflows) {
      for (const [id, job] of jobs(wf)) {
        const granted = permissionsOf(job)['actions'];
        const wanted = takesLocksOver(job) ? 'read' : undefined;
        if (granted !== wanted) mismatched.push(`${file} ${id}: actions ${granted ?? 'none'}`);
      }
    }
    expect(mismatched).toEqual([]);
    const holders = workflows.flatMap(({ file, workflow: wf }) =>
      jobs(wf)
        .filter(([, job]) => takesLocksOver(job))
        .map(([id]) => `${file} ${id}`),
    );
    // lab.yml's caller job grants it, or its called jobs could not ask for it.
    expect(holders).toEqual([
      'cleanup.yml sweep',
      'lab-reusable.yml provision',
      'lab-reusable.yml teardown',
      'lab.yml lab',
      'pr-environment.yml provision',
      'pr-environment.yml teardown',
    ]);
  });

  it('grant pull-requests: read to the sweep and the PR gate (is the pull request closed? labelled?), write only where it comments', () => {
    for (const { file, workflow: wf } of workflows) {
      for (const [id, job] of jobs(wf)) {
        const scope = permissionsOf(job)['pull-requests'];
        const wanted =
          writesToPullRequest(job) || opensPullRequest(job)
            ? 'write'
            : sweeps(job) || asksForThePullRequest(job)
              ? 'read'
              : undefined;
        expect(scope, `${file} ${id}`).toBe(wanted);
      }
    }
    expect(permissionsOf(workflow('cleanup.yml').jobs['sweep']!)['pull-requests']).toBe('read');
  });

  it('never grant write on contents, but to the jobs that push tags or a branch, and list every scope (no write-all)', () => {
    const writers: string[] = [];
    for (const { file, workflow: wf } of workflows) {
      for (const [id, job] of jobs(wf)) {
        const contents = permissionsOf(job)['contents'] ?? 'read';
        expect(['read', 'write'], `${file} ${id}`).toContain(contents);
        if (contents === 'write') writers.push(`${file} ${id}`);
      }
    }
    expect(writers).toEqual(['refresh-pins.yml propose', 'release.yml release']);
  });

  it('give the release job no secret and no cloud role: only the run token, handed to one git push', () => {
    const text = readFileSync(`${WORKFLOW_DIR}/release.yml`, 'utf8');
    expect(text).not.toMatch(/secrets\./);
    expect(assumesRole(workflow('release.yml').jobs['release']!)).toBe(false);
    expect(Object.keys(workflow('release.yml').on)).toEqual(['push']);
  });

  it('keep the checkout token out of the workspace (persist-credentials: false)', () => {
    for (const { file, workflow: wf } of workflows) {
      for (const [id, job] of jobs(wf)) {
        for (const step of job.steps ?? []) {
          if (step.uses?.startsWith('actions/checkout@')) {
            expect(step.with?.['persist-credentials'], `${file} ${id}`).toBe(false);
          }
        }
      }
    }
  });
});
