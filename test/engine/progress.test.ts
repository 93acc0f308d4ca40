// The human progress lines the CLI prints and the action sends to core.info.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GroupedProgress, ProgressReporter, type LabProgressEvent } from '../../src/engine/progress.ts';

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

describe('grouped per stack (the action log)', () => {
  /** What the action prints: lines, and group markers as the runner's workflow commands. */
  function groupedLog() {
    const log: string[] = [];
    const progress = new GroupedProgress(
      {
        line: (text) => log.push(text),
        startGroup: (title) => log.push(`::group::${title}`),
        endGroup: () => log.push('::endgroup::'),
      },
      () => 0,
    );
    return { log, progress };
  }

  const start = (stack: string): LabProgressEvent => ({ kind: 'stack_start', stack, operation: 'apply' });
  const step = (stack: string, n: number): LabProgressEvent => ({
    kind: 'terraform',
    stack,
    event: {
      type: 'apply_complete',
      address: `r.${stack}${n}`,
      action: 'create',
      elapsedSeconds: 0,
      done: n,
      total: 9,
    },
  });
  const done = (stack: string): LabProgressEvent => ({
    kind: 'stack_done',
    stack,
    operation: 'apply',
    durationMs: 0,
    changes: { add: 1, change: 0, remove: 0 },
  });

  it("keeps the operation's own lines out of a stack's group: now if none is open, else after it closes", () => {
    const { log, progress } = groupedLog();
    progress.log('recorded the lab');
    progress.handle(start('cluster'));
    progress.log('waiting for the client router');
    progress.handle(step('cluster', 1));
    expect(log).toEqual([
      'recorded the lab',
      '::group::cluster apply',
      'cluster: applying',
      'cluster: 1/9 resources, 0.0 s — r.cluster1 created',
    ]);
    progress.handle(done('cluster'));
    expect(log.slice(-2)).toEqual(['::endgroup::', 'waiting for the client router']);
  });

  it('wraps each stack of a sequential run in its own group, live', () => {
    const { log, progress } = groupedLog();
    progress.handle(start('network'));
    progress.handle(step('network', 1));
    // Streams as it comes: the open group's lines are not held back.
    expect(log).toEqual([
      '::group::network apply',
      'network: applying',
      'network: 1/9 resources, 0.0 s — r.network1 created',
    ]);
    progress.handle(done('network'));
    progress.handle({ kind: 'stack_skipped', stack: 'client', operation: 'apply', reason: 'no changes' });
    progress.handle(start('cluster'));
    progress.handle(done('cluster'));
    progress.close();
    expect(log).toEqual([
      '::group::network apply',
      'network: applying',
      'network: 1/9 resources, 0.0 s — r.network1 created',
      'network: applied in 0.0 s: 1 added, 0 changed, 0 destroyed',
      '::endgroup::',
      'client: skipped (no changes)',
      '::group::cluster apply',
      'cluster: applying',
      'cluster: applied in 0.0 s: 1 added, 0 changed, 0 destroyed',
      '::endgroup::',
    ]);
  });

  it('holds back an interleaving stack until the open group ends, then gives it its own group', () => {
    const { log, progress } = groupedLog();
    for (const event of [
      start('client'),
      start('cluster'),
      step('cluster', 1),
      step('client', 1),
      step('cluster', 2),
    ])
      progress.handle(event);
    expect(log.filter((l) => l.startsWith('cluster'))).toEqual([]);
    progress.handle(done('client'));
    // cluster's held-back lines come at once in its own group, which stays open: cluster is still running.
    expect(log.slice(-4)).toEqual([
      '::group::cluster apply',
      'cluster: applying',
      'cluster: 1/9 resources, 0.0 s — r.cluster1 created',
      'cluster: 2/9 resources, 0.0 s — r.cluster2 created',
    ]);
    progress.handle(step('cluster', 3));
    expect(log.at(-1)).toBe('cluster: 3/9 resources, 0.0 s — r.cluster3 created');
    progress.close();
    expect(log.at(-1)).toBe('::endgroup::');
  });

  it('close() prints what is held back and ends the open group, so nothing after it is folded away', () => {
    const { log, progress } = groupedLog();
    progress.handle(start('network'));
    progress.handle(start('client'));
    progress.handle(step('client', 1));
    progress.close();
    expect(log).toEqual([
      '::group::network apply',
      'network: applying',
      '::endgroup::',
      '::group::client apply',
      'client: applying',
      'client: 1/9 resources, 0.0 s — r.client1 created',
      '::endgroup::',
    ]);
  });

  it('any interleaving of concurrent stacks: groups never nest, each holds one whole stack in order', () => {
    const stacks = ['network', 'client', 'cluster', 'workloads'];
    // Each stack's own events, in order; the run interleaves them as it likes.
    const own = (stack: string, steps: number) => [
      start(stack),
      ...Array.from({ length: steps }, (_, i) => step(stack, i + 1)),
      done(stack),
    ];
    const run = fc
      .tuple(...stacks.map(() => fc.integer({ min: 0, max: 4 })))
      .chain((steps) =>
        fc
          .array(fc.constantFrom(...stacks), { minLength: 40, maxLength: 40 })
          .map((picks) => ({ steps, picks })),
      );
    fc.assert(
      fc.property(run, fc.boolean(), ({ steps, picks }, finish) => {
        const queues = stacks.map((s, i) => own(s, steps[i]!));
        const { log, progress } = groupedLog();
        for (const pick of picks) {
          const next = queues[stacks.indexOf(pick)]!.shift();
          if (next) progress.handle(next);
        }
        if (finish) for (const queue of queues) for (const event of queue.splice(0)) progress.handle(event);
        progress.close();

        const sent = new Map<string, string[]>();
        let open: string | undefined;
        for (const line of log) {
          if (line.startsWith('::group::')) {
            expect(open).toBeUndefined();
            open = line.slice('::group::'.length).split(' ')[0]!;
            expect(sent.has(open), `${open} got a second group`).toBe(false);
            sent.set(open, []);
          } else if (line === '::endgroup::') {
            expect(open).toBeDefined();
            open = undefined;
          } else {
            expect(open, `${line} outside a group`).toBeDefined();
            expect(line.startsWith(`${open}: `), `${line} in ${open}'s group`).toBe(true);
            sent.get(open!)!.push(line);
          }
        }
        expect(open).toBeUndefined();
        // Every line each stack reported, in its order (the reporter's clock is fixed, so lines are comparable).
        const expected = new Map<string, string[]>();
        const reporter = new ProgressReporter(
          () => {},
          () => 0,
        );
        stacks.forEach((stack, i) => {
          const events = own(stack, steps[i]!);
          const lines = events
            .slice(0, events.length - queues[i]!.length)
            .map((e) => reporter.format(e))
            .filter((l): l is string => l !== undefined);
          if (lines.length) expected.set(stack, lines);
        });
        expect(sent).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
