// No test skips itself silently: the only way to gate a test is requires() (test/support/requires.ts), which puts
// the reason in the title and the run's summary, and fails where TSLAB_TESTS_REQUIRE promised the capability.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GATE = 'test/support/requires.ts';
const SELF = relative(ROOT, fileURLToPath(import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? files(path) : /\.ts$/.test(entry.name) ? [path] : [];
  });
}

// it.skip, describe.skipIf, test.runIf, it.todo, it.skip.each, context.skip(...), ctx.skip(...), and the options
// { skip: true } / { todo: true }: every spelling vitest offers.
const SKIPS = /\.(skip|skipIf|runIf|todo)\b|\b(skip|todo)\s*:\s*[^\s,}]/;

it('leaves every skip to requires(), which says why', () => {
  const tests = files(join(ROOT, 'test')).map((path) => relative(ROOT, path));
  const offenders = tests
    .filter((path) => path !== GATE && path !== SELF)
    .flatMap((path) =>
      readFileSync(join(ROOT, path), 'utf8')
        .split('\n')
        .flatMap((line, index) => (SKIPS.test(line) ? [`${path}:${index + 1}: ${line.trim()}`] : [])),
    );
  expect(tests.length).toBeGreaterThan(100);
  expect(offenders, `gate these with requires() from ${GATE} (docs/testing.md)`).toEqual([]);
});

it('catches each way vitest lets a test skip', () => {
  for (const line of [
    "it.skip('x', () => {});",
    "describe.skipIf(!root)('x', () => {});",
    'it.runIf(canRun)(',
    "test.todo('later');",
    'if (!policy) context.skip(`not written`);',
    'ctx.skip()',
    "it.skip.each([1])('x %s', () => {});",
    "it('x', { skip: !root }, () => {});",
    "describe('x', { todo: true }, () => {});",
  ]) {
    expect(SKIPS.test(line), line).toBe(true);
  }
  expect(SKIPS.test("requires('local-lab').it('x', () => {});")).toBe(false);
  expect(SKIPS.test('expect(check.skipped).toBe(true);')).toBe(false);
});
