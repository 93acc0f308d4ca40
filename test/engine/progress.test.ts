// The human progress lines the CLI prints and the action sends to core.info.
import { expect, it } from 'vitest';
import { ProgressReporter, type LabProgressEvent } from '../../src/engine/progress.ts';

function reporterAt(times: number[]): { reporter: ProgressReporter; lines: string[] } {
  const lines: string[] = [];
  const clock = [...times];
  return {
    reporter: new ProgressReporter(
      (l) => lines.push(l),
      () => clock.shift() ?? 0,
    ),
    lines,
  };
}

const resource = { action: 'create', elapsedSeconds: 3 };

it('prints n/m resources with the time since the stack started and what happened', () => {
  const { reporter, lines } = reporterAt([1_000, 13_400, 20_000, 21_000]);
  const events: LabProgressEvent[] = [
    { kind: 'stack_start', stack: 'network', operation: 'apply' },
    {
      kind: 'terraform',
      stack: 'network',
      event: { type: 'planned', total: 11, add: 11, change: 0, remove: 0 },
    },
    {
      kind: 'terraform',
      stack: 'network',
      event: { type: 'apply_start', address: 'aws_subnet.client', action: 'create', done: 2, total: 11 },
    },
    {
      kind: 'terraform',
      stack: 'network',
      event: { type: 'apply_complete', address: 'aws_subnet.client', ...resource, done: 3, total: 11 },
    },
    {
      kind: 'terraform',
      stack: 'network',
      event: {
        type: 'apply_progress',
        address: 'aws_nat_gateway.lab',
        ...resource,
        elapsedSeconds: 70,
        done: 3,
        total: 11,
      },
    },
    {
      kind: 'terraform',
      stack: 'network',
      event: { type: 'apply_errored', address: 'aws_route.nat', ...resource, done: 3, total: 11 },
    },
    {
      kind: 'terraform',
      stack: 'network',
      event: { type: 'summary', operation: 'apply', add: 11, change: 0, remove: 0 },
    },
    {
      kind: 'stack_done',
      stack: 'network',
      operation: 'apply',
      durationMs: 20_000,
      changes: { add: 11, change: 0, remove: 0 },
    },
  ];
  events.forEach(reporter.handle);
  expect(lines).toEqual([
    'network: applying',
    'network: plan: 11 to add, 0 to change, 0 to destroy',
    'network: 3/11 resources, 12.4 s — aws_subnet.client created',
    'network: 3/11 resources, 19.0 s — aws_nat_gateway.lab still creating (70 s)',
    'network: 3/11 resources, 20.0 s — aws_route.nat create failed',
    'network: applied in 20.0 s: 11 added, 0 changed, 0 destroyed',
  ]);
});

it('times each stack from its own start', () => {
  const { reporter, lines } = reporterAt([0, 5_000, 6_000, 7_500]);
  reporter.handle({ kind: 'stack_start', stack: 'cluster', operation: 'destroy' });
  reporter.handle({ kind: 'stack_start', stack: 'client', operation: 'destroy' });
  const done = { type: 'apply_complete', action: 'delete', elapsedSeconds: 1, done: 1, total: 1 } as const;
  reporter.handle({ kind: 'terraform', stack: 'client', event: { ...done, address: 'aws_instance.client' } });
  reporter.handle({
    kind: 'terraform',
    stack: 'cluster',
    event: { ...done, address: 'aws_eks_cluster.lab' },
  });
  expect(lines.slice(2)).toEqual([
    'client: 1/1 resources, 1.0 s — aws_instance.client destroyed',
    'cluster: 1/1 resources, 7.5 s — aws_eks_cluster.lab destroyed',
  ]);
});

it('prints diagnostics, skips and failures on one line each', () => {
  const { reporter, lines } = reporterAt([]);
  reporter.handle({
    kind: 'terraform',
    stack: 'cluster',
    event: {
      type: 'diagnostic',
      diagnostic: {
        severity: 'warning',
        summary: 'Argument is deprecated',
        detail: 'Use x instead.\nMore text.',
        address: 'aws_eks_cluster.lab',
      },
    },
  });
  reporter.handle({ kind: 'stack_skipped', stack: 'workloads', operation: 'destroy', reason: 'no state' });
  reporter.handle({
    kind: 'stack_failed',
    stack: 'cluster',
    operation: 'destroy',
    durationMs: 1_250,
    message: "Stack 'cluster' failed",
  });
  expect(lines).toEqual([
    'cluster: warning: aws_eks_cluster.lab: Argument is deprecated — Use x instead.',
    'workloads: skipped (no state)',
    "cluster: destroy failed after 1.3 s: Stack 'cluster' failed",
  ]);
});
