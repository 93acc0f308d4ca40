// `npm` on PATH while the release tests run release.yml's steps: `npm ci` and `npm test` are recorded (the tests do
// not run the suite inside itself), `npm run release -- ARGS` runs scripts/release.ts's command line with ARGS as the
// step wrote them, the build swapped for fakeBuild. Anything else fails, so a new npm step cannot pass unseen.
import { appendFileSync } from 'node:fs';
import { runMain } from '../../scripts/release.ts';
import { fakeBuild, fakeCheck } from './fake-build.ts';

const args = process.argv.slice(2);
const log = process.env['FAKE_NPM_LOG'];
if (log) appendFileSync(log, `${JSON.stringify(args)}\n`);

if (args.length === 1 && (args[0] === 'ci' || args[0] === 'test')) {
  process.exit(0);
} else if (args[0] === 'run' && args[1] === 'release' && args[2] === '--') {
  runMain(args.slice(3), { build: fakeBuild, check: fakeCheck });
} else {
  console.error(`fake npm: no stand-in for npm ${args.join(' ')}`);
  process.exit(1);
}
