// A first release cut before .github/workflows/refresh-pins.yml has run: the tagged commit's sha256 pins are empty
// and its provider lock file has no entry, so every AWS job of that release would fail closed for as long as it is the
// release. The build job refuses it before anything is installed, naming what is missing, and nothing is pushed or
// released; once the refresh's pull request is merged, the same version tagged on the merged commit is released.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { notRefreshed } from './aws-ready.ts';
import { ScratchGitHub, TOKEN, type WorkflowRun } from './scratch-github.ts';

// A run plays two jobs' steps, each a few processes (git, node, the stand-ins): seconds, more on a busy machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const READINESS = 'Refuse a commit that could not run on AWS (pins and provider lock not refreshed)';
const gh = new ScratchGitHub();
afterAll(() => gh.remove());

const build = (run: WorkflowRun) => run.attempts.at(-1)!.build!;
const step = (run: WorkflowRun, name: string) => build(run).steps.find((s) => s.name === name);

let source: string;
let refused: WorkflowRun;

describe('v0.1.0 tagged on a commit whose pins and provider lock were never refreshed', () => {
  it('is refused before anything is installed, naming what is missing and saying to refresh first', () => {
    source = gh.commit('tslab before the refresh', 'main', notRefreshed());
    refused = gh.tagAndRelease('v0.1.0', source);
    expect(build(refused).result).toBe('failure');
    expect(step(refused, 'Refuse a tag off the default branch or a version released already')?.outcome).toBe(
      'success',
    );
    expect(step(refused, READINESS)?.outcome).toBe('failure');
    const error = step(refused, READINESS)!
      .output.split('\n')
      .filter((line) => line.startsWith('::error '));
    expect(error).toHaveLength(1);
    expect(error[0]).toContain(`${source}, the commit v0.1.0 was pushed on, could not run on AWS`);
    expect(error[0]).toContain('.github/pins.env has empty sha256 pins: TERRAFORM_SHA256_LINUX_X64');
    expect(error[0]).toContain(
      "infra/providers/.terraform.lock.hcl has no checksums for terraform's registry.terraform.io/hashicorp/aws",
    );
    expect(error[0]).toContain("tofu's registry.opentofu.org/hashicorp/aws");
    expect(error[0]).toContain(
      'Run the workflow .github/workflows/refresh-pins.yml, review and merge its pull request into the default ' +
        'branch first, then tag again: delete the tag (git push origin :refs/tags/v0.1.0)',
    );
    expect(build(refused).log).not.toContain(TOKEN);
  });

  it('installs, tests, builds and hands over nothing; the release job never starts; nothing is pushed', () => {
    for (const name of ['npm ci', 'npm test', 'actions/upload-artifact']) {
      expect(step(refused, name)?.outcome, name).toBe('skipped');
    }
    expect(build(refused).steps.filter((s) => s.name.startsWith('Build, check and commit'))[0]?.outcome).toBe(
      'skipped',
    );
    expect(existsSync(join(gh.root, 'npm.log'))).toBe(false);
    expect(readdirSync(join(gh.root, 'artifacts', String(refused.id)))).toEqual([]);
    expect(refused.attempts[0]!.release).toBeUndefined();
    expect([...gh.tags().keys()]).toEqual(['v0.1.0']);
    expect(gh.commitOf('v0.1.0')).toBe(source);
    expect(gh.release('v0.1.0')).toBeUndefined();
  });

  it('re-running all jobs refuses again: the tagged commit is what lacks the pins', () => {
    gh.rerun(refused, 'all');
    expect(build(refused).result).toBe('failure');
    expect(step(refused, READINESS)?.outcome).toBe('failure');
    expect(step(refused, 'npm ci')?.outcome).toBe('skipped');
    expect([...gh.tags().keys()]).toEqual(['v0.1.0']);
  });
});

describe('after the refresh’s pull request is merged', () => {
  it('v0.1.0 deleted and tagged on the merged commit is released, its release commit holding the pins', () => {
    const merged = gh.commit('Refresh the pins and the provider lock file');
    gh.deleteTag('v0.1.0');
    const run = gh.tagAndRelease('v0.1.0', merged);
    expect(run.attempts[0]!.release?.result, `${build(run).log}\n${run.attempts[0]!.release?.log}`).toBe(
      'success',
    );
    expect(step(run, READINESS)?.output).toContain('Ready for AWS');
    const commit = gh.commitOf('v0.1.0')!;
    expect(gh.parentOf(commit)).toBe(merged);
    expect(gh.commitOf('v0')).toBe(commit);
    expect(gh.release('v0.1.0')).toMatchObject({ tagName: 'v0.1.0', commit, latest: 'true' });
    const pins = gh.git(gh.bare, 'show', `${commit}:.github/pins.env`);
    expect(pins).toMatch(/^TAILSCALE_SHA256_LINUX_X64=[0-9a-f]{64}$/m);
    expect(pins).not.toMatch(/_SHA256_[A-Z0-9_]*=$/m);
  });
});
