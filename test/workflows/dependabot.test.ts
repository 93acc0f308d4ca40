// Dependabot keeps the pinned actions and the npm dependencies current, without the majors the project cannot take.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from './workflow-files.ts';

interface Update {
  'package-ecosystem': string;
  directory: string;
  schedule: { interval: string };
  ignore?: { 'dependency-name': string; 'update-types'?: string[] }[];
  cooldown?: Record<string, number>;
}

const config = parse(readFileSync(`${REPO_ROOT}.github/dependabot.yml`, 'utf8')) as {
  version: number;
  updates: Update[];
};
const update = (ecosystem: string): Update | undefined =>
  config.updates.find((u) => u['package-ecosystem'] === ecosystem);

describe('dependabot.yml', () => {
  it('updates the workflow actions and the npm dependencies of the repository root, weekly', () => {
    expect(config.version).toBe(2);
    for (const ecosystem of ['github-actions', 'npm']) {
      expect(update(ecosystem), ecosystem).toMatchObject({
        directory: '/',
        schedule: { interval: 'weekly' },
      });
    }
  });

  it('never proposes TypeScript 7 (it breaks ncc) or a Node major the actions do not run on', () => {
    const ignoredMajors = (update('npm')?.ignore ?? [])
      .filter((rule) => rule['update-types']?.includes('version-update:semver-major'))
      .map((rule) => rule['dependency-name']);
    expect(ignoredMajors).toEqual(expect.arrayContaining(['typescript', 'node', '@types/node']));
    const pkg = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    for (const name of ['typescript', 'node', '@types/node'])
      expect(pkg.devDependencies[name], name).toBeDefined();
  });

  it('waits a week before proposing a release (a month for an npm major), with only the keys each ecosystem takes', () => {
    expect(update('github-actions')?.cooldown).toEqual({ 'default-days': 7 });
    expect(update('npm')?.cooldown).toEqual({ 'default-days': 7, 'semver-major-days': 30 });
    for (const u of config.updates)
      for (const days of Object.values(u.cooldown ?? {})) expect(days).toBeGreaterThanOrEqual(1);
  });
});
