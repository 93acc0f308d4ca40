// pr-environment.yml: which jobs run for which pull request event, with the gate's verdict computed by running its
// own shell step (bash, with the env GitHub would give it), so a fork PR is proven to be skipped, not failed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpolate, simulateRun, type RunScenario } from './simulate.ts';
import { loadWorkflows, workflow } from './workflow-files.ts';

const pr = workflow('pr-environment.yml');
const BASE = 'octo/tslab';

function event(action: string, headRepo: string | null, actor = 'alice'): RunScenario {
  return {
    github: {
      event_name: 'pull_request',
      repository: BASE,
      actor,
      event: {
        action,
        pull_request: { number: 42, head: { repo: headRepo === null ? null : { full_name: headRepo } } },
      },
    },
  };
}

/** Runs the gate job's step the way the runner would: env interpolated, GITHUB_OUTPUT a real file. */
function runGate(scenario: RunScenario): {
  outputs: Record<string, string>;
  stdout: string;
  status: number | null;
} {
  const step = pr.jobs['gate']!.steps![0]!;
  const dir = mkdtempSync(join(tmpdir(), 'tslab-gate-'));
  try {
    const outputFile = join(dir, 'output');
    const env = Object.fromEntries(
      Object.entries(step.env ?? {}).map(([k, v]) => [k, interpolate(pr, String(v), scenario)]),
    );
    const result = spawnSync('bash', ['-e', '-c', step.run!], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', GITHUB_OUTPUT: outputFile, ...env },
      encoding: 'utf8',
    });
    let text = '';
    try {
      text = readFileSync(outputFile, 'utf8');
    } catch {
      // No output written: the assertions below say so.
    }
    const outputs = Object.fromEntries(
      text
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    return { outputs, stdout: result.stdout, status: result.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function play(scenario: RunScenario) {
  const gate = runGate(scenario);
  const runs = simulateRun(pr, { ...scenario, outputs: { gate: gate.outputs } });
  return { gate, results: Object.fromEntries(Object.entries(runs).map(([id, r]) => [id, r.result])) };
}

describe('pr-environment.yml', () => {
  it('triggers on pull_request opened/synchronize/reopened/closed only', () => {
    expect(Object.keys(pr.on)).toEqual(['pull_request']);
    expect((pr.on['pull_request'] as { types: string[] }).types).toEqual([
      'opened',
      'synchronize',
      'reopened',
      'closed',
    ]);
  });

  it('never uses pull_request_target, in any workflow', () => {
    for (const { file, text, workflow: wf } of loadWorkflows()) {
      expect(Object.keys(wf.on), file).not.toContain('pull_request_target');
      expect(text, file).not.toMatch(/^\s*pull_request_target\s*:/m);
    }
  });

  it('names the lab pr-<number>', () => {
    expect(interpolate(pr, String(pr.env?.['LAB']), event('opened', BASE))).toBe('pr-42');
  });

  it.each(['opened', 'synchronize', 'reopened'])(
    '%s from a branch of the repository: provision and validate',
    (action) => {
      const { gate, results } = play(event(action, BASE));
      expect(gate.outputs).toEqual({ trusted: 'true' });
      expect(results).toEqual({
        gate: 'success',
        'build-provision': 'success',
        build: 'success',
        provision: 'success',
        'provision-report': 'skipped',
        validate: 'success',
        teardown: 'skipped',
        'close-environment': 'skipped',
      });
    },
  );

  it('closed from a branch of the repository: teardown, then the environment is closed', () => {
    const { results } = play(event('closed', BASE));
    expect(results).toEqual({
      gate: 'success',
      'build-provision': 'skipped',
      build: 'success',
      provision: 'skipped',
      'provision-report': 'skipped',
      validate: 'skipped',
      teardown: 'success',
      'close-environment': 'success',
    });
  });

  it('closes the environment (and says so) even when teardown failed', () => {
    const scenario = event('closed', BASE);
    const gate = runGate(scenario);
    const runs = simulateRun(pr, {
      ...scenario,
      outputs: { gate: gate.outputs },
      outcome: { teardown: 'failure' },
    });
    expect(runs['close-environment']!.result).toBe('success');
  });

  it('does not validate a lab whose provision failed', () => {
    const scenario = event('synchronize', BASE);
    const runs = simulateRun(pr, {
      ...scenario,
      outputs: { gate: runGate(scenario).outputs },
      outcome: { provision: 'failure' },
    });
    expect(runs['validate']!.result).toBe('skipped');
  });

  it.each([
    ['failed (or timed out, or lost its runner)', 'failure'],
    ['was cancelled', 'cancelled'],
  ] as const)(
    'when provision %s: the PR is told (provision-report), with the result and the deployment to end',
    (_, result) => {
      const scenario = event('synchronize', BASE);
      const runs = simulateRun(pr, {
        ...scenario,
        outputs: { gate: runGate(scenario).outputs, provision: { 'deployment-id': '777' } },
        outcome: { provision: result },
      });
      expect(runs['provision-report']!.result).toBe('success');
      expect(runs['validate']!.result).toBe('skipped');
      const step = pr.jobs['provision-report']!.steps!.at(-1)!;
      expect(step.run).toBe('node --import tsx src/github/report-provision.ts');
      const env = (name: string) => interpolate(pr, String(step.env?.[name]), scenario, runs);
      expect(env('PROVISION_RESULT')).toBe(result);
      expect(env('DEPLOYMENT_ID')).toBe('777');
      expect(String(step.env?.['GITHUB_TOKEN'])).toBe('${{ github.token }}');
    },
  );

  it('reports no provision end when provision succeeded, was skipped, or on close', () => {
    for (const outcome of [{}, { validate: 'failure' as const }, { validate: 'cancelled' as const }]) {
      const scenario = event('synchronize', BASE);
      const runs = simulateRun(pr, { ...scenario, outputs: { gate: runGate(scenario).outputs }, outcome });
      expect(runs['provision-report']!.result).toBe('skipped');
    }
    expect(play(event('closed', BASE)).results['provision-report']).toBe('skipped');
  });

  it('opens the run’s deployment in provision and hands its id to validate', () => {
    const provision = pr.jobs['provision']!;
    const step = provision.steps!.find((s) => s.uses === './actions/provision')!;
    expect(step.with).toMatchObject({ 'comment-on-pr': true, 'github-token': '${{ github.token }}' });
    expect(provision.outputs?.['deployment-id']).toBe(`\${{ steps.${step.id}.outputs.deployment-id }}`);
    const validate = pr.jobs['validate']!.steps!.find((s) => s.uses === './actions/validate')!;
    expect(validate.with?.['deployment-id']).toBe('${{ needs.provision.outputs.deployment-id }}');
    const scenario = event('synchronize', BASE);
    const runs = simulateRun(pr, {
      ...scenario,
      outputs: { gate: runGate(scenario).outputs, provision: { 'deployment-id': '31' } },
    });
    expect(interpolate(pr, String(validate.with?.['deployment-id']), scenario, runs)).toBe('31');
  });

  it.each([
    ['a fork', 'mallory/tslab', 'alice'],
    ['a deleted fork', null, 'alice'],
    ['Dependabot', BASE, 'dependabot[bot]'],
  ] as const)('skips every lab job, with a notice and no failure, for a PR from %s', (_, head, actor) => {
    for (const action of ['opened', 'synchronize', 'closed']) {
      const { gate, results } = play(event(action, head, actor));
      expect(gate.status).toBe(0);
      expect(gate.outputs).toEqual({ trusted: 'false' });
      expect(gate.stdout).toMatch(/^::notice title=tslab lab skipped::.*no (repository )?secrets/m);
      expect(results).toEqual({
        gate: 'success',
        'build-provision': 'skipped',
        build: 'skipped',
        provision: 'skipped',
        'provision-report': 'skipped',
        validate: 'skipped',
        teardown: 'skipped',
        'close-environment': 'skipped',
      });
    }
  });

  it('reads untrusted PR fields only through env, never inline in a script', () => {
    for (const job of Object.values(pr.jobs)) {
      for (const step of job.steps ?? []) expect(step.run ?? '').not.toContain('${{');
    }
  });
});
