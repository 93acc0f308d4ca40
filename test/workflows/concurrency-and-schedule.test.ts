import { describe, expect, it } from 'vitest';
import { evaluate, truthy } from './expression.ts';
import { contextLookup, interpolate, queueRuns } from './simulate.ts';
import { workflow, type Workflow } from './workflow-files.ts';

function concurrencyOf(wf: Workflow): { group: string; 'cancel-in-progress'?: boolean | string } {
  if (typeof wf.concurrency !== 'object') throw new Error('no workflow-level concurrency map');
  return wf.concurrency;
}

describe('concurrency', () => {
  const reusable = workflow('lab-reusable.yml');
  const pr = workflow('pr-environment.yml');
  const lab = workflow('lab.yml');

  it('serializes runs of one lab and never cancels one (a cancelled apply leaves the state locked)', () => {
    const group = concurrencyOf(reusable);
    expect(group['cancel-in-progress']).toBe(false);
    const labA = interpolate(reusable, group.group, { inputs: { lab: 'alpha' } });
    const labB = interpolate(reusable, group.group, { inputs: { lab: 'beta' } });
    expect(labA).not.toBe(labB);
    expect(interpolate(reusable, group.group, { inputs: { lab: 'alpha' } })).toBe(labA);
  });

  it('gives lab.yml no group of its own: the caller sharing the called workflow’s group would deadlock', () => {
    expect(lab.concurrency).toBeUndefined();
    for (const job of Object.values(lab.jobs)) expect(job.concurrency).toBeUndefined();
  });

  const prGroup = (number: number, action: string) =>
    interpolate(pr, concurrencyOf(pr).group, { github: { event: { action, pull_request: { number } } } });
  const labGroup = (lab: string) => interpolate(reusable, concurrencyOf(reusable).group, { inputs: { lab } });

  it('serializes the runs that build a PR lab, per PR, never cancelled, no job overriding it', () => {
    expect(concurrencyOf(pr)['cancel-in-progress']).toBe(false);
    for (const job of Object.values(pr.jobs)) expect(job.concurrency).toBeUndefined();
    expect(prGroup(42, 'opened')).toBe(prGroup(42, 'synchronize'));
    expect(prGroup(42, 'reopened')).toBe(prGroup(42, 'synchronize'));
    expect(prGroup(42, 'opened')).not.toBe(prGroup(43, 'opened'));
  });

  it('puts PR <n>’s lab runs in the same group as a manual run of lab pr-<n>', () => {
    for (const action of ['opened', 'synchronize', 'reopened'])
      expect(prGroup(42, action)).toBe(labGroup('pr-42'));
  });

  it('gives the close run a group of its own per PR, apart from every lab run', () => {
    expect(prGroup(42, 'closed')).not.toBe(prGroup(42, 'synchronize'));
    expect(prGroup(42, 'closed')).not.toBe(labGroup('pr-42'));
    expect(prGroup(42, 'closed')).not.toBe(prGroup(43, 'closed'));
    expect(prGroup(42, 'closed')).toContain('42');
  });

  it('never lets a newer lab run drop a close run from the queue, and a push still waits for the lab being built', () => {
    // Arrivals while the first push's run is still building the lab.
    const arrivals: [string, string][] = [
      ['push A', prGroup(42, 'synchronize')],
      ['push B', prGroup(42, 'synchronize')],
      ['close', prGroup(42, 'closed')],
      ['reopen', prGroup(42, 'reopened')],
      ['manual run of lab pr-42', labGroup('pr-42')],
    ];
    const fates = Object.fromEntries(
      queueRuns(arrivals.map(([, g]) => g)).map((f, i) => [arrivals[i]![0], f]),
    );
    expect(fates['close']).toBe('runs');
    expect(fates['push A']).toBe('runs');
    // push B waited behind A (not run alongside it); the reopen then replaced it as the one pending lab run.
    expect(fates['push B']).toBe('cancelled while waiting');
    expect(fates['reopen']).toBe('cancelled while waiting');
    expect(fates['manual run of lab pr-42']).toBe('waits');
    expect(queueRuns([prGroup(42, 'synchronize'), prGroup(42, 'synchronize')])).toEqual(['runs', 'waits']);
  });

  it('models GitHub’s queue as documented: one pending run per group, replaced by a newer one', () => {
    // What happened to a close run sharing the lab runs' group: dropped by the next run queued.
    expect(queueRuns(['g', 'g', 'g'])).toEqual(['runs', 'cancelled while waiting', 'waits']);
    expect(queueRuns(['g', 'h', 'g'])).toEqual(['runs', 'runs', 'waits']);
  });

  it('runs one sweep at a time, never cancelled', () => {
    expect(concurrencyOf(workflow('cleanup.yml'))['cancel-in-progress']).toBe(false);
  });
});

describe('cleanup.yml', () => {
  const cleanup = workflow('cleanup.yml');
  const sweep = cleanup.jobs['sweep']!.steps!.find((s) => s.uses === './actions/teardown')!;

  it('runs on an hourly schedule and by hand', () => {
    const schedule = cleanup.on['schedule'] as { cron: string }[];
    expect(schedule).toHaveLength(1);
    // minute fixed, every hour, every day.
    expect(schedule[0]!.cron).toMatch(/^\d{1,2} \* \* \* \*$/);
    expect(Object.keys(cleanup.on).sort()).toEqual(['schedule', 'workflow_call', 'workflow_dispatch']);
  });

  it('sweeps with the teardown action in sweep mode', () => {
    expect(sweep.with?.['mode']).toBe('sweep');
  });

  it.each([
    ['a scheduled run removes', { event_name: 'schedule' }, {}, 'false'],
    ['a manual run is a dry run by default', { event_name: 'workflow_dispatch' }, {}, 'true'],
    [
      'a manual run with dry-run false removes',
      { event_name: 'workflow_dispatch' },
      { 'dry-run': false },
      'false',
    ],
    // Called from another repository's scheduled workflow: the event is the caller's, the inputs are the call's.
    ['a call removes by default', { event_name: 'schedule', trigger: 'workflow_call' }, {}, 'false'],
    [
      'a call with dry-run true only lists',
      { event_name: 'schedule', trigger: 'workflow_call' },
      { 'dry-run': true },
      'true',
    ],
  ] as const)(
    '%s',
    (_, { trigger, ...github }: { event_name: string; trigger?: string }, inputs, expected) => {
      expect(
        interpolate(cleanup, String(sweep.with?.['dry-run']), {
          github,
          inputs,
          ...(trigger ? { trigger } : {}),
        }),
      ).toBe(expected);
    },
  );

  it("sweeps the caller's bucket and region when called, and this repository's variables otherwise", () => {
    const where = (scenario: Parameters<typeof interpolate>[2]) =>
      ['region', 'state-bucket', 'state-region'].map((key) =>
        interpolate(cleanup, String(sweep.with?.[key]), scenario),
      );
    const vars = { TSLAB_REGION: 'eu-west-1', TSLAB_STATE_BUCKET: 'ours', TSLAB_STATE_REGION: 'eu-west-2' };
    expect(where({ github: { event_name: 'schedule' }, vars })).toEqual(['eu-west-1', 'ours', 'eu-west-2']);
    expect(where({ github: { event_name: 'schedule' } })).toEqual(['us-east-1', '', '']);
    expect(
      where({
        github: { event_name: 'schedule' },
        trigger: 'workflow_call',
        inputs: { region: 'ap-south-1', 'state-bucket': 'theirs' },
        vars,
      }),
    ).toEqual(['ap-south-1', 'theirs', 'ap-south-1']);
  });

  it('requires the state bucket and the AWS role and Tailscale secrets of a caller', () => {
    const call = cleanup.on['workflow_call'] as {
      inputs: Record<string, { required?: boolean }>;
      secrets: Record<string, { required?: boolean }>;
    };
    expect(call.inputs['state-bucket']?.required).toBe(true);
    expect(Object.keys(call.secrets).sort()).toEqual([
      'TSLAB_AWS_ROLE_ARN',
      'TSLAB_CHECKOUT_TOKEN',
      'TSLAB_TAILSCALE_OAUTH_CLIENT_ID',
      'TSLAB_TAILSCALE_OAUTH_CLIENT_SECRET',
    ]);
  });

  it('declares a boolean dry-run input defaulting to true', () => {
    const dispatch = cleanup.on['workflow_dispatch'] as {
      inputs: Record<string, { type: string; default: unknown }>;
    };
    expect(dispatch.inputs['dry-run']).toMatchObject({ type: 'boolean', default: true });
  });
});

describe('ci.yml', () => {
  const ci = workflow('ci.yml');
  const runs = Object.values(ci.jobs).flatMap((job) => (job.steps ?? []).map((s) => s.run?.trim() ?? ''));

  it('installs, tests (typecheck, lint, vitest with actionlint), builds the bundles and runs the local lab as root', () => {
    for (const command of ['npm ci', 'npm test', 'npm run build']) expect(runs).toContain(command);
    expect(runs.some((r) => /^sudo\b.*\bnpm run lab$/.test(r))).toBe(true);
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
  });

  it('runs on ubuntu-latest', () => {
    for (const job of Object.values(ci.jobs))
      expect((job as { 'runs-on'?: string })['runs-on']).toBe('ubuntu-latest');
  });
});

describe('the expression evaluator used above', () => {
  it('follows GitHub semantics the conditions rely on', () => {
    const wf = workflow('lab-reusable.yml');
    const lookup = contextLookup(wf, { inputs: { 'keep-for': 3, lab: 'Demo' } });
    const status = { success: () => true, failure: () => false, cancelled: () => false };
    expect(evaluate("inputs.lab == 'demo'", lookup, status)).toBe(true);
    expect(evaluate('inputs.keep-for > 0 && inputs.keep-for || 2', lookup, status)).toBe(3);
    expect(evaluate("inputs.keep-for == '3'", lookup, status)).toBe(true);
    expect(truthy(evaluate('inputs.missing', lookup, status))).toBe(false);
    expect(() => evaluate('inputs.lab ==', lookup, status)).toThrow();
  });
});
