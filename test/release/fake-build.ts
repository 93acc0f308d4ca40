// A stand-in for the ncc build in the release tests that exercise tags, pushes and re-runs: each action's dist/ gets
// a small index.js naming the commit it was "built" from. The real build and its checks are proven once, in
// test/actions/released-actions.test.ts.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, RELEASED_ACTIONS } from '../../scripts/release-git.ts';

export function fakeBuild(tree: string): void {
  const commit = git(tree, 'rev-parse', 'HEAD');
  for (const action of RELEASED_ACTIONS) {
    const dist = join(tree, 'actions', action, 'dist');
    mkdirSync(dist, { recursive: true });
    writeFileSync(join(dist, 'index.js'), `// ${action}, built from ${commit}\nprocess.exit(1);\n`);
  }
}

export function fakeCheck(tree: string): void {
  for (const action of RELEASED_ACTIONS) {
    const entry = join(tree, 'actions', action, 'dist', 'index.js');
    if (!existsSync(entry) || !readFileSync(entry, 'utf8').startsWith(`// ${action}, built from `)) {
      throw new Error(`fake check: ${entry} is not a built bundle`);
    }
  }
}
