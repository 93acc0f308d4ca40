// A test run needs terraform at the engine's minimum and whatever TSLAB_TESTS_REQUIRE promises: without them vitest
// stops before the first test file loads, with one message naming what is missing and how to get it; a capability
// nobody promised only skips the tests that need it, saying why. Proven on the check itself, with stand-in terraform
// binaries, and on real vitest runs whose PATH lacks terraform or unshare.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MIN_ENGINE_VERSION } from '../../src/engine/engine-version.ts';
import { MIN_ENGINE } from '../../src/doctor/engine.ts';
import { brokenPromises } from '../support/capabilities.ts';
import { engineProblem } from '../support/required-tools.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');
const REAL_TERRAFORM = spawnSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' }).stdout.trim();
const [major, minor] = MIN_ENGINE_VERSION;
const JUST_TOO_OLD = minor > 0 ? `${major}.${minor - 1}.9` : `${major - 1}.99.0`;

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A directory for PATH holding node, and terraform as given: the real one, a script printing text, or none. */
function pathWith(terraform?: { real: true } | { prints: string }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tslab-path-'));
  dirs.push(dir);
  symlinkSync(process.execPath, join(dir, 'node'));
  if (terraform && 'real' in terraform) symlinkSync(REAL_TERRAFORM, join(dir, 'terraform'));
  if (terraform && 'prints' in terraform) {
    // echo is the shell's own: this PATH has no cat.
    writeFileSync(join(dir, 'terraform'), `#!/bin/sh\necho '${terraform.prints}'\n`);
    chmodSync(join(dir, 'terraform'), 0o755);
  }
  return dir;
}

const versionJson = (version: string) =>
  JSON.stringify({ terraform_version: version, platform: 'linux_amd64' });

function run(args: string[], path: string, promised?: string): { status: number | null; out: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: path, NO_COLOR: '1', FORCE_COLOR: '0' };
  delete env['TSLAB_TESTS_REQUIRE'];
  if (promised !== undefined) env['TSLAB_TESTS_REQUIRE'] = promised;
  const result = spawnSync(process.execPath, args, { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

describe('the engine a test run needs', () => {
  it('is refused when terraform is not on PATH, naming the minimum and how to install it', async () => {
    const result = await engineProblem({ PATH: pathWith() });
    expect(result).toHaveProperty('problem');
    const { problem } = result as { problem: string };
    expect(problem).toContain('terraform is not on PATH');
    expect(problem).toContain(`npm test needs terraform ${MIN_ENGINE} or later`);
    expect(problem).toContain('https://developer.hashicorp.com/terraform/install');
    expect(problem).toContain('hashicorp/setup-terraform with terraform_wrapper: false');
    expect(problem).toContain('docs/testing.md');
  });

  it('is refused one minor below the minimum and taken at the minimum', async () => {
    const old = await engineProblem({ PATH: pathWith({ prints: versionJson(JUST_TOO_OLD) }) });
    expect(old).toEqual({
      problem: expect.stringContaining(`terraform ${JUST_TOO_OLD} is older than ${MIN_ENGINE}`),
    });
    const atMinimum = await engineProblem({ PATH: pathWith({ prints: versionJson(`${MIN_ENGINE}.0`) }) });
    expect(atMinimum).toEqual({ version: `${MIN_ENGINE}.0` });
  });

  it("is refused when setup-terraform's wrapper hides the version JSON", async () => {
    const result = await engineProblem({ PATH: pathWith({ prints: 'Terraform v1.11.4' }) });
    expect(result).toEqual({ problem: expect.stringContaining('printed no terraform_version') });
    expect(result).toEqual({ problem: expect.stringContaining('disable the wrapper') });
  });

  it('stops vitest before any test file loads when terraform is not on PATH', () => {
    const started = performance.now();
    const { status, out } = run([VITEST, 'run', 'test/harness/capabilities.test.ts'], pathWith());
    expect(status).toBe(1);
    expect(out).toContain('The tests cannot run here:');
    expect(out).toContain(`npm test needs terraform ${MIN_ENGINE} or later`);
    expect(out).toContain('terraform is not on PATH');
    expect(out).toMatch(/Tests +no tests/);
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it('stops the check .ci/run makes the same way, and says what it found when it passes', () => {
    const script = 'test/support/required-tools.ts';
    const old = run([script], pathWith({ prints: versionJson(JUST_TOO_OLD) }));
    expect(old.status).toBe(1);
    expect(old.out).toContain(`terraform ${JUST_TOO_OLD} is older than ${MIN_ENGINE}`);
    const real = run([script], pathWith({ real: true }));
    expect(real.out).toMatch(new RegExp(`^terraform \\d+\\.\\d+\\.\\d+ \\(minimum ${MIN_ENGINE}\\); `));
    expect(real.status).toBe(0);
  });

  it('is checked by .ci/run with the same file before it runs exactly npm test, which promises the local lab', () => {
    const lines = readFileSync(join(ROOT, '.ci/run'), 'utf8').split('\n');
    const check = lines.findIndex((line) => /^\S.*\bnode test\/support\/required-tools\.ts\b/.test(line));
    const promise = lines.findIndex((line) => line === 'export TSLAB_TESTS_REQUIRE=local-lab,uts-namespace');
    const tests = lines.findIndex((line) => line === 'npm test');
    expect(check).toBeGreaterThan(-1);
    expect(promise).toBeGreaterThan(-1);
    expect(promise).toBeLessThan(check);
    expect(check).toBeLessThan(tests);
    expect(lines.filter((line) => /^[^#]*\bnpm (test|run test)/.test(line))).toEqual(['npm test']);
  });

  it('runs as npm test’s pretest, so a machine without the engine stops before the typecheck and the lint', () => {
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts['pretest']).toBe('node test/support/required-tools.ts');
    expect(scripts['test']).toMatch(/^npm run typecheck && /);
  });

  it('is the minimum docs/testing.md gives', () => {
    const doc = readFileSync(join(ROOT, 'docs/testing.md'), 'utf8');
    expect(doc).toContain(`\`terraform\` ${MIN_ENGINE} or later on PATH`);
    expect(new Set(doc.match(/\b\d+\.\d+ or later/g))).toEqual(new Set([`${MIN_ENGINE} or later`]));
  });
});

describe('the capabilities TSLAB_TESTS_REQUIRE promises', () => {
  it('stop the run when the machine lacks one, saying what and why', () => {
    const lacks = (capability: string) => (capability === 'local-lab' ? 'must run as root' : undefined);
    expect(brokenPromises({ TSLAB_TESTS_REQUIRE: 'local-lab,uts-namespace' }, lacks)).toEqual([
      'TSLAB_TESTS_REQUIRE promises local-lab, but this machine lacks it: must run as root',
    ]);
    expect(brokenPromises({ TSLAB_TESTS_REQUIRE: 'uts-namespace' }, lacks)).toEqual([]);
    expect(brokenPromises({}, lacks)).toEqual([]);
  });

  it('refuse a name they do not know, naming the variable, the value and the names they take', () => {
    expect(() => brokenPromises({ TSLAB_TESTS_REQUIRE: 'local-lab root' })).toThrow(
      'TSLAB_TESTS_REQUIRE: "root" is not a capability tests can require; it takes a comma-separated list of: ' +
        'local-lab, uts-namespace',
    );
  });

  it('are only skipped when not promised: the run passes and its last lines say what was skipped and why', () => {
    const { status, out } = run(
      [VITEST, 'run', '--config', 'test/harness/fixtures/vitest.config.ts'],
      pathWith({ real: true }),
    );
    expect(out).toMatch(/Tests +1 passed \| 1 skipped/);
    expect(out).toContain(
      'Skipped 1 test in test/harness/fixtures/gated.fixture.ts: it needs uts-namespace, which this machine lacks: ' +
        '`unshare --uts true` fails here (spawnSync unshare ENOENT)',
    );
    expect(out).toContain('TSLAB_TESTS_REQUIRE=uts-namespace makes this a failure');
    expect(status).toBe(0);
  });

  it('fail the run before any test when promised and missing', () => {
    const { status, out } = run(
      [VITEST, 'run', '--config', 'test/harness/fixtures/vitest.config.ts'],
      pathWith({ real: true }),
      'uts-namespace',
    );
    expect(status).toBe(1);
    expect(out).toContain('TSLAB_TESTS_REQUIRE promises uts-namespace, but this machine lacks it');
    expect(out).toMatch(/Tests +no tests/);
  });
});
