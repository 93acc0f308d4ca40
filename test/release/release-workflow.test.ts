// release.yml's shape, which the runs played in release-twice.test.ts and rerun.test.ts cannot show: the job that runs
// the tests and builds holds no write permission, refuses a commit that could not run on AWS before it installs
// anything, and sets the engine up before the tests; the job that holds contents: write installs nothing with npm and
// restores no cache; the bundle goes from one to the other as an artifact; no step or script names github.com as the
// server.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PINNED_ACTIONS } from '../workflows/pinned-actions.ts';
import { permissionsOf, workflow, type Step } from '../workflows/workflow-files.ts';

const release = workflow('release.yml');
const build = release.jobs['build']!;
const publish = release.jobs['release']!;
const named = (steps: Step[], action: string) => steps.findIndex((s) => s.uses?.split('@')[0] === action);
const running = (steps: Step[], command: RegExp) => steps.findIndex((s) => command.test(s.run ?? ''));

describe('release.yml', () => {
  it('has two jobs: build, then release after it', () => {
    expect(Object.keys(release.jobs)).toEqual(['build', 'release']);
    expect(publish.needs).toBe('build');
    expect(Object.keys(release.on)).toEqual(['push']);
  });

  it('build: reads only; checks the tag before installing; sets terraform up (pinned, no wrapper) before the tests', () => {
    const steps = build.steps!;
    expect(permissionsOf(build)).toEqual({ contents: 'read' });
    const check = running(steps, /^node scripts\/release-publish\.ts check$/);
    const install = running(steps, /^npm ci$/);
    const tests = running(steps, /^npm test$/);
    const terraform = named(steps, 'hashicorp/setup-terraform');
    expect([check, install, tests, terraform].every((i) => i >= 0)).toBe(true);
    expect(check).toBeLessThan(install);
    expect(terraform).toBeLessThan(tests);
    expect(steps[terraform]!.uses).toBe(
      `hashicorp/setup-terraform@${PINNED_ACTIONS['hashicorp/setup-terraform']!.sha}`,
    );
    expect(steps[terraform]!.with).toEqual({
      terraform_version: '${{ steps.pins.outputs.terraform-version }}',
      terraform_wrapper: false,
    });
    const pins = steps.findIndex((s) => s.id === 'pins');
    expect(steps[pins]!.run).toBe('scripts/pins.sh versions >> "$GITHUB_OUTPUT"');
    expect(pins).toBeLessThan(terraform);
  });

  it('build: refuses a commit that could not run on AWS after the tag check, before anything is installed or built', () => {
    const steps = build.steps!;
    const check = running(steps, /^node scripts\/release-publish\.ts check$/);
    // The command exactly: no argument or flag, so nothing in the workflow points the check elsewhere or skips it.
    const readiness = running(steps, /^node scripts\/release-readiness\.ts$/);
    const install = running(steps, /^npm ci$/);
    const made = running(steps, /^npm run release -- /);
    expect(readiness).toBeGreaterThan(check);
    expect(readiness).toBeLessThan(install);
    expect(install).toBeLessThan(made);
    expect(steps[readiness]!.if).toBeUndefined();
    expect(steps[readiness]!['continue-on-error']).toBeUndefined();
    expect(steps[readiness]!.env).toEqual({
      VERSION: '${{ github.ref_name }}',
      SOURCE_SHA: '${{ github.sha }}',
    });
    expect(steps.filter((s) => /release-readiness/.test(s.run ?? ''))).toHaveLength(1);
  });

  it('build: hands the bundle over as the artifact the release job downloads, to the path it publishes from', () => {
    const made = build.steps!.find((s) => /^npm run release -- /.test(s.run ?? ''))!;
    const bundle = /--bundle "\$RUNNER_TEMP\/([\w./-]+)"/.exec(made.run!)?.[1];
    expect(bundle).toBe('tslab-release/release.bundle');
    const upload = build.steps![named(build.steps!, 'actions/upload-artifact')]!;
    const download = publish.steps![named(publish.steps!, 'actions/download-artifact')]!;
    expect(upload.with).toMatchObject({
      name: 'tslab-release',
      path: '${{ runner.temp }}/tslab-release/',
      'if-no-files-found': 'error',
      overwrite: true,
    });
    expect(download.with).toEqual({ name: 'tslab-release', path: '${{ runner.temp }}/tslab-release' });
    const published = publish.steps!.find((s) => s.id === 'publish')!;
    expect(published.run).toBe(`node scripts/release-publish.ts publish "$RUNNER_TEMP/${bundle}"`);
  });

  it('release: writes contents, with no npm, no cache and no package install anywhere in the job', () => {
    const steps = publish.steps!;
    expect(permissionsOf(publish)).toEqual({ contents: 'write' });
    expect(steps.filter((s) => /\bnpm\b|\bnpx\b|\byarn\b|\bpnpm\b/.test(s.run ?? ''))).toEqual([]);
    const node = steps[named(steps, 'actions/setup-node')]!;
    expect(node.with).toEqual({ 'node-version': 24 });
    expect(steps.filter((s) => s.uses?.startsWith('actions/cache'))).toEqual([]);
    // setup-node v5 restores an npm cache on its own when package.json names a packageManager.
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as Record<string, unknown>;
    expect(manifest['packageManager']).toBeUndefined();
    expect(
      (manifest['devEngines'] as Record<string, unknown> | undefined)?.['packageManager'],
    ).toBeUndefined();
  });

  it('release: publishes the tags first, then creates the GitHub release only when the publish step says so', () => {
    const steps = publish.steps!;
    const published = steps.findIndex((s) => s.id === 'publish');
    const create = running(steps, /^gh release create /);
    expect(published).toBeGreaterThanOrEqual(0);
    expect(create).toBeGreaterThan(published);
    expect(steps[create]!.if).toBe("steps.publish.outputs.create-release == 'true'");
    expect(steps[create]!.run).toContain('--verify-tag');
  });

  it('both jobs check out the commit pushed with its history, and keep the token out of .git/config', () => {
    for (const job of [build, publish]) {
      const checkout = job.steps![named(job.steps!, 'actions/checkout')]!;
      expect(checkout.with).toEqual({
        ref: '${{ github.sha }}',
        'fetch-depth': 0,
        'persist-credentials': false,
      });
    }
  });

  it('names no server: the scripts are handed github.server_url, and nothing says github.com', () => {
    // Every release script, as the directory lists them: a new one is held to this too.
    const scripts = readdirSync('scripts').filter((name) => /^release(-[a-z]+)?\.ts$/.test(name));
    expect(scripts.length).toBeGreaterThanOrEqual(6);
    const files = ['.github/workflows/release.yml', ...scripts.map((name) => `scripts/${name}`)];
    for (const file of files) {
      expect(readFileSync(file, 'utf8'), file).not.toMatch(
        /https?:\/\/(?:www\.)?github\.com|\bgithub\.com\//,
      );
    }
    const publishing = readFileSync('scripts/release-publish.ts', 'utf8');
    expect(publishing).toContain("'GITHUB_SERVER_URL'");
  });
});
