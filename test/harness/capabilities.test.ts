// A test gated on a capability runs where the machine has it, is skipped with the reason in its title where it does
// not, and fails where TSLAB_TESTS_REQUIRE promised it; the run's summary names every such skip once per reason.
import { describe, expect, it } from 'vitest';
import type { TestModule } from 'vitest/node';
import {
  decide,
  parseSkippedTitle,
  promisedCapabilities,
  skippedTitle,
  type Capability,
} from '../support/capabilities.ts';
import { skipSummary } from '../support/skip-summary.ts';

const lacking =
  (reasons: Partial<Record<Capability, string>>) =>
  (capability: Capability): string | undefined =>
    reasons[capability];

describe('a gated test', () => {
  it('runs where the machine has everything it needs', () => {
    expect(decide('t', ['local-lab', 'uts-namespace'], lacking({}), new Set())).toEqual({ mode: 'run' });
    expect(decide('t', ['local-lab'], lacking({}), new Set(['local-lab']))).toEqual({ mode: 'run' });
  });

  it('is skipped with what it needs and why in its title where nothing promised it', () => {
    const reasons = lacking({ 'local-lab': 'must run as root', 'uts-namespace': 'no unshare' });
    expect(decide('the pipeline', ['local-lab', 'uts-namespace'], reasons, new Set())).toEqual({
      mode: 'skip',
      title: 'the pipeline [skipped, needs local-lab, uts-namespace: must run as root; no unshare]',
    });
  });

  it('fails naming each promised capability it lacks, even when another is only missing', () => {
    const reasons = lacking({ 'local-lab': 'must run as root', 'uts-namespace': 'no unshare' });
    expect(decide('t', ['local-lab', 'uts-namespace'], reasons, new Set(['uts-namespace']))).toEqual({
      mode: 'fail',
      message: 'TSLAB_TESTS_REQUIRE promises uts-namespace, but this machine lacks it: no unshare',
    });
  });

  it('keeps a title that parses back to its capabilities and reason, whatever brackets the reason holds', () => {
    const title = skippedTitle('name [x]', [{ capability: 'local-lab', reason: 'missing [ip] (apt-get)' }]);
    expect(parseSkippedTitle(title)).toEqual({
      capabilities: ['local-lab'],
      reason: 'missing (ip) (apt-get)',
    });
    expect(parseSkippedTitle('an ordinary test [x]')).toBeUndefined();
  });
});

describe('TSLAB_TESTS_REQUIRE', () => {
  it('takes names separated by commas or spaces, and nothing when unset or empty', () => {
    expect([...promisedCapabilities({ TSLAB_TESTS_REQUIRE: 'local-lab, uts-namespace' })]).toEqual([
      'local-lab',
      'uts-namespace',
    ]);
    expect([...promisedCapabilities({ TSLAB_TESTS_REQUIRE: ' local-lab ' })]).toEqual(['local-lab']);
    expect(promisedCapabilities({ TSLAB_TESTS_REQUIRE: '' }).size).toBe(0);
    expect(promisedCapabilities({}).size).toBe(0);
  });
});

describe('the skip summary', () => {
  /** Just what the summary reads of vitest's reported modules: names up the tree, skipped tests, the file. */
  function module(file: string, suite: string, tests: string[]): TestModule {
    const mod = { type: 'module', relativeModuleId: file } as Record<string, unknown>;
    const parent = { type: 'suite', name: suite, parent: mod };
    const cases = tests.map((name) => ({ type: 'test', name, parent }));
    mod['children'] = { allTests: (state: string) => (state === 'skipped' ? cases.values() : [].values()) };
    return mod as unknown as TestModule;
  }
  const lab = skippedTitle('the pipeline', [{ capability: 'local-lab', reason: 'must run as root' }]);

  it('says once per reason how many tests in which files were skipped, and how to make it a failure', () => {
    const lines = skipSummary([
      module('test/local/b.test.ts', lab, ['one', 'two']),
      module('test/local/a.test.ts', 'plain suite', [
        skippedTitle('three', [{ capability: 'local-lab', reason: 'must run as root' }]),
      ]),
      module('test/other.test.ts', 'plain suite', ['filtered out by -t, not by a capability']),
    ]);
    expect(lines).toEqual([
      'Skipped 3 tests in test/local/a.test.ts, test/local/b.test.ts: they need local-lab, which this machine ' +
        'lacks: must run as root. TSLAB_TESTS_REQUIRE=local-lab makes this a failure (docs/testing.md).',
    ]);
  });

  it('says nothing when nothing was skipped for a capability', () => {
    expect(skipSummary([module('test/a.test.ts', 'plain suite', [])])).toEqual([]);
  });
});
