// pr-environment.yml: which jobs run for which pull request event, with the gate's verdict computed by running its
// own shell step (bash, with the env GitHub would give it), so a fork PR is proven to be skipped, not failed.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpolate, simulateRun, type RunScenario } from './simulate.ts';
import { loadWorkflows, workflow } from './workflow-files.ts';

const pr = workflow('pr-environment.yml');
const BASE = 'octo/tslab';

/** What the API says of PR 42 when the gate asks (the fake `gh` answers from it). */
interface PullRequestNow {
  state: 'open' | 'closed';
  labels: string[];
}
const LABELLED_OPEN: PullRequestNow = { state: 'open', labels: ['tslab'] };

function event(
  action: string,
  headRepo: string | null,
  actor = 'alice',
  label?: string,
): RunScenario & { pr?: PullRequestNow } {
  return {
    github: {
      event_name: 'pull_request',
      repository: BASE,
      actor,
      token: 'ghs_gate',
      event: {
        action,
        pull_request: { number: 42, head: { repo: headRepo === null ? null : { full_name: headRepo } } },
        ...(label ? { label: { name: label } } : {}),
      },
    },
  };
}

/**
 * Runs the gate job's steps the way the runner would: env interpolated (with the outputs of the steps before),
 * GITHUB_OUTPUT a real file, and `gh` a fake on the PATH that answers `gh api repos/<repo>/pulls/<n> --jq <expr>`
 * for the two expressions the gate asks, recording every call.
 */
function runGate(
  scenario: RunScenario,
  now: PullRequestNow = LABELLED_OPEN,
): { outputs: Record<string, string>; stdout: string; status: number | null; ghCalls: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'tslab-gate-'));
  try {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const calls = join(dir, 'gh-calls');
    writeFileSync(
      join(bin, 'gh'),
      [
        '#!/bin/bash',
        `echo "$*" >> ${JSON.stringify(calls)}`,
        '[ "$1 $2" = "api repos/octo/tslab/pulls/42" ] && [ "$3" = "--jq" ] || { echo "unexpected: $*" >&2; exit 2; }',
        'case "$4" in',
        `  .state) echo ${JSON.stringify(now.state)} ;;`,
        `  '.labels[].name') printf '%s\\n' ${now.labels.map((l) => JSON.stringify(l)).join(' ')} ;;`,
        '  *) echo "unexpected jq: $4" >&2; exit 2 ;;',
        'esac',
      ].join('\n'),
    );
    chmodSync(join(bin, 'gh'), 0o755);
    const outputFile = join(dir, 'output');
    const steps: Record<string, { outputs: Record<string, string> }> = {};
    let stdout = '';
    let status: number | null = 0;
    for (const step of pr.jobs['gate']!.steps!) {
      writeFileSync(outputFile, '');
      const env = Object.fromEntries(
        Object.entries(step.env ?? {}).map(([k, v]) => [
          k,
          interpolate(pr, String(v), { ...scenario, steps }),
        ]),
      );
      const result = spawnSync('bash', ['-e', '-c', step.run!], {
        env: { PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`, GITHUB_OUTPUT: outputFile, ...env },
        encoding: 'utf8',
      });
      stdout += result.stdout;
      status = result.status;
      if (status !== 0) break;
      steps[step.id!] = { outputs: readOutputs(outputFile) };
    }
    const outputs = Object.fromEntries(
      Object.entries(pr.jobs['gate']!.outputs ?? {}).map(([name, value]) => [
        name,
        interpolate(pr, String(value), { ...scenario, steps }),
      ]),
    );
    const ghCalls = existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : [];
    return { outputs, stdout, status, ghCalls };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readOutputs(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

function play(scenario: RunScenario, now: PullRequestNow = LABELLED_OPEN) {
  const gate = runGate(scenario, now);
  const runs = simulateRun(pr, { ...scenario, outputs: { gate: gate.outputs } });
  return { gate, results: Object.fromEntries(Object.entries(runs).map(([id, r]) => [id, r.result])) };
}

const NOTHING_RUNS = {
  gate: 'success',
  'build-provision': 'skipped',
  build: 'skipped',
  provision: 'skipped',
  'provision-report': 'skipped',
  validate: 'skipped',
  'validate-report': 'skipped',
  teardown: 'skipped',
  'close-environment': 'skipped',
};
const BUILDS = {
  ...NOTHING_RUNS,
  'build-provision': 'success',
  build: 'success',
  provision: 'success',
  validate: 'success',
};
const TEARS_DOWN = { ...NOTHING_RUNS, build: 'success', teardown: 'success', 'close-environment': 'success' };

describe('pr-environment.yml', () => {
  it('triggers on pull_request opened/synchronize/reopened, the label coming and going, and closed', () => {
    expect(Object.keys(pr.on)).toEqual(['pull_request']);
    expect((pr.on['pull_request'] as { types: string[] }).types).toEqual([
      'opened',
      'synchronize',
      'reopened',
      'labeled',
      'unlabeled',
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
    '%s, labelled, from a branch of the repository: provision and validate, after asking the API',
    (action) => {
      const { gate, results } = play(event(action, BASE));
      expect(gate.outputs).toEqual({ trusted: 'true', wants: 'build' });
      expect(gate.ghCalls).toEqual([
        'api repos/octo/tslab/pulls/42 --jq .state',
        'api repos/octo/tslab/pulls/42 --jq .labels[].name',
      ]);
      expect(results).toEqual(BUILDS);
    },
  );

  it('labelled with the lab label: provision and validate; with another label: nothing', () => {
    expect(play(event('labeled', BASE, 'alice', 'tslab')).results).toEqual(BUILDS);
    const other = play(event('labeled', BASE, 'alice', 'docs'));
    expect(other.gate.outputs['wants']).toBe('none');
    expect(other.gate.ghCalls).toEqual([]);
    expect(other.results).toEqual(NOTHING_RUNS);
  });

  it('builds no lab for a PR without the label, and says how to get one', () => {
    const { gate, results } = play(event('synchronize', BASE), { state: 'open', labels: ['docs'] });
    expect(gate.status).toBe(0);
    expect(gate.outputs['wants']).toBe('none');
    expect(gate.stdout).toMatch(/^::notice title=tslab lab skipped::Add the 'tslab' label/m);
    expect(results).toEqual(NOTHING_RUNS);
  });

  it('builds nothing in a run that waited in the queue until after the PR closed', () => {
    const { gate, results } = play(event('synchronize', BASE), { state: 'closed', labels: ['tslab'] });
    expect(gate.outputs['wants']).toBe('none');
    expect(gate.stdout).toMatch(/^::notice title=tslab lab skipped::Pull request #42 is closed now/m);
    expect(results).toEqual(NOTHING_RUNS);
  });

  it('takes the label from a variable when one is set', () => {
    const scenario = { ...event('synchronize', BASE), vars: { TSLAB_PR_LABEL: 'needs-lab' } };
    expect(runGate(scenario, { state: 'open', labels: ['needs-lab'] }).outputs['wants']).toBe('build');
    expect(runGate(scenario, { state: 'open', labels: ['tslab'] }).outputs['wants']).toBe('none');
  });

  it('closed with the label, or the lab label removed: teardown, then the environment is closed', () => {
    const closed = play(event('closed', BASE), { state: 'closed', labels: ['tslab'] });
    expect(closed.gate.outputs['wants']).toBe('teardown');
    expect(closed.results).toEqual(TEARS_DOWN);
    const unlabeled = play(event('unlabeled', BASE, 'alice', 'tslab'), { state: 'open', labels: [] });
    expect(unlabeled.gate.outputs['wants']).toBe('teardown');
    expect(unlabeled.results).toEqual(TEARS_DOWN);
    expect(play(event('unlabeled', BASE, 'alice', 'docs')).results).toEqual(NOTHING_RUNS);
  });

  it('a PR that never carried the label gets no teardown, no comment and no AWS session when it closes', () => {
    const { gate, results } = play(event('closed', BASE), { state: 'closed', labels: ['docs'] });
    expect(gate.outputs['wants']).toBe('none');
    expect(results).toEqual(NOTHING_RUNS);
  });

  it('keeps the lab when the label is already back by the time its removal runs', () => {
    const { gate, results } = play(event('unlabeled', BASE, 'alice', 'tslab'), LABELLED_OPEN);
    expect(gate.outputs['wants']).toBe('none');
    expect(gate.stdout).toMatch(/^::notice title=tslab lab kept::The 'tslab' label is back/m);
    expect(results).toEqual(NOTHING_RUNS);
  });

  it('the close and the label removal queue apart from the lab runs; another label takes no place in either queue', () => {
    const group = String((pr.concurrency as { group: string }).group);
    const at = (scenario: RunScenario) =>
      interpolate(pr, group, { ...scenario, github: { ...scenario.github, run_id: '555' } });
    expect(at(event('closed', BASE))).toBe('tslab-close-pr-42');
    expect(at(event('unlabeled', BASE, 'alice', 'tslab'))).toBe('tslab-close-pr-42');
    expect(at(event('labeled', BASE, 'alice', 'tslab'))).toBe('tslab-lab-pr-42');
    expect(at(event('synchronize', BASE))).toBe('tslab-lab-pr-42');
    expect(at(event('labeled', BASE, 'alice', 'docs'))).toBe('tslab-other-label-pr-42-run-555');
    expect(at(event('unlabeled', BASE, 'alice', 'docs'))).toBe('tslab-other-label-pr-42-run-555');
    const renamed = { vars: { TSLAB_PR_LABEL: 'needs-lab' } };
    expect(at({ ...event('labeled', BASE, 'alice', 'needs-lab'), ...renamed })).toBe('tslab-lab-pr-42');
    expect(at({ ...event('labeled', BASE, 'alice', 'tslab'), ...renamed })).toBe(
      'tslab-other-label-pr-42-run-555',
    );
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

  it.each([
    ['failed before it could report (tailnet join, credentials)', 'failure'],
    ['was cancelled, timed out or lost its runner', 'cancelled'],
  ] as const)(
    'when validation %s: validate-report says so, with the result and the deployment to end',
    (_, result) => {
      const scenario = event('synchronize', BASE);
      const runs = simulateRun(pr, {
        ...scenario,
        outputs: { gate: runGate(scenario).outputs, provision: { 'deployment-id': '808' } },
        outcome: { validate: result },
      });
      expect(runs['validate-report']!.result).toBe('success');
      const step = pr.jobs['validate-report']!.steps!.at(-1)!;
      expect(step.run).toBe('node --import tsx src/github/report-validation.ts');
      const env = (name: string) => interpolate(pr, String(step.env?.[name]), scenario, runs);
      expect(env('VALIDATE_RESULT')).toBe(result);
      expect(env('DEPLOYMENT_ID')).toBe('808');
    },
  );

  it('leaves a validation that reported its own result alone, and reports nothing when provision failed', () => {
    const scenario = event('synchronize', BASE);
    const gate = runGate(scenario).outputs;
    const reported = simulateRun(pr, {
      ...scenario,
      outputs: { gate, validate: { reported: 'true' } },
      outcome: { validate: 'failure' },
    });
    expect(reported['validate-report']!.result).toBe('skipped');
    const passed = simulateRun(pr, { ...scenario, outputs: { gate, validate: { reported: 'true' } } });
    expect(passed['validate-report']!.result).toBe('skipped');
    // The validate bundle failed to build: validation never ran, and the PR is told.
    const neverRan = simulateRun(pr, { ...scenario, outputs: { gate }, outcome: { build: 'failure' } });
    expect(neverRan['validate']!.result).toBe('skipped');
    expect(neverRan['validate-report']!.result).toBe('success');
    const noLab = simulateRun(pr, { ...scenario, outputs: { gate }, outcome: { provision: 'failure' } });
    expect(noLab['validate-report']!.result).toBe('skipped');
    expect(noLab['provision-report']!.result).toBe('success');
    const validate = pr.jobs['validate']!;
    const step = validate.steps!.find((s) => s.uses === './actions/validate')!;
    expect(validate.outputs?.['reported']).toBe(`\${{ steps.${step.id}.outputs.reported }}`);
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
      expect(gate.outputs).toEqual({ trusted: 'false', wants: 'none' });
      expect(gate.ghCalls).toEqual([]);
      expect(gate.stdout).toMatch(/^::notice title=tslab lab skipped::.*no (repository )?secrets/m);
      expect(results).toEqual(NOTHING_RUNS);
    }
  });

  it('reads untrusted PR fields only through env, never inline in a script', () => {
    for (const job of Object.values(pr.jobs)) {
      for (const step of job.steps ?? []) expect(step.run ?? '').not.toContain('${{');
    }
  });
});
