// provision → validate → teardown of lab-reusable.yml, played through every way a run can end: the job conditions
// are evaluated as GitHub evaluates them (expression.ts), so a wrong `if:` fails here, not in a cloud account.
import { describe, expect, it } from 'vitest';
import { interpolate, simulateRun, type JobResult, type RunScenario } from './simulate.ts';
import { needsOf, workflow } from './workflow-files.ts';

const reusable = workflow('lab-reusable.yml');
const teardown = reusable.jobs['teardown']!;

type Row = [
  description: string,
  keepFor: number,
  outcome: RunScenario['outcome'],
  expected: Record<'provision' | 'validate' | 'teardown', JobResult>,
];

const rows: Row[] = [
  [
    'keep-for 0, all well: torn down',
    0,
    {},
    { provision: 'success', validate: 'success', teardown: 'success' },
  ],
  [
    'keep-for 0, provision failed: torn down',
    0,
    { provision: 'failure' },
    { provision: 'failure', validate: 'skipped', teardown: 'success' },
  ],
  [
    'keep-for 0, validation failed: torn down',
    0,
    { validate: 'failure' },
    { provision: 'success', validate: 'failure', teardown: 'success' },
  ],
  [
    'keep-for 0, run cancelled during provision: torn down',
    0,
    { provision: 'cancelled' },
    { provision: 'cancelled', validate: 'skipped', teardown: 'success' },
  ],
  [
    'keep-for 4, all well: kept for the sweeper',
    4,
    {},
    { provision: 'success', validate: 'success', teardown: 'skipped' },
  ],
  [
    'keep-for 4, provision failed: torn down',
    4,
    { provision: 'failure' },
    { provision: 'failure', validate: 'skipped', teardown: 'success' },
  ],
  [
    'keep-for 4, run cancelled during provision: torn down',
    4,
    { provision: 'cancelled' },
    { provision: 'cancelled', validate: 'skipped', teardown: 'success' },
  ],
  [
    'keep-for 4, run cancelled during validation: torn down',
    4,
    { validate: 'cancelled' },
    { provision: 'success', validate: 'cancelled', teardown: 'success' },
  ],
  [
    'keep-for 4, validation failed: kept to look into, the sweeper removes it',
    4,
    { validate: 'failure' },
    { provision: 'success', validate: 'failure', teardown: 'skipped' },
  ],
];

describe('lab-reusable.yml', () => {
  it('has build-provision → provision, build → validate → teardown, teardown needing build, provision, validate', () => {
    expect(needsOf(reusable.jobs['provision']!)).toEqual(['build-provision']);
    expect(needsOf(reusable.jobs['validate']!)).toEqual(['build', 'provision']);
    expect(needsOf(teardown).sort()).toEqual(['build', 'provision', 'validate']);
  });

  it('guards teardown with always(), so failure and cancellation do not skip it', () => {
    expect(teardown.if).toMatch(/^always\(\) && /);
  });

  it.each(rows)('%s', (_, keepFor, outcome, expected) => {
    const runs = simulateRun(reusable, {
      inputs: { lab: 'demo', 'keep-for': keepFor },
      ...(outcome ? { outcome } : {}),
    });
    expect({
      provision: runs['provision']!.result,
      validate: runs['validate']!.result,
      teardown: runs['teardown']!.result,
    }).toEqual(expected);
  });

  it('tears down from the lab id alone: no step of teardown reads what provision produced', () => {
    expect(JSON.stringify(teardown.steps)).not.toMatch(/needs\.|steps\.provision/);
    const step = teardown.steps!.find((s) => s.uses === './actions/teardown')!;
    expect(step.with?.['lab']).toBe('${{ inputs.lab }}');
  });

  it('keeps a kept lab exactly keep-for hours and gives a torn-down one a short safety expiry', () => {
    const provision = reusable.jobs['provision']!.steps!.find((s) => s.uses === './actions/provision')!;
    const ttl = String(provision.with?.['ttl-hours']);
    const evaluateTtl = (keepFor: number) => interpolate(reusable, ttl, { inputs: { 'keep-for': keepFor } });
    expect(evaluateTtl(5)).toBe('5');
    expect(evaluateTtl(168)).toBe('168');
    expect(Number(evaluateTtl(0))).toBeGreaterThanOrEqual(1);
  });
});
