// Bundles each action with ncc into actions/<name>/dist/index.js (ESM, runs on node24): all three, or those named
// (`npm run build -- teardown`). Jobs build the one action they run; scripts/release.ts commits the bundles on a
// release commit that is not on main.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';

const ACTIONS = process.argv.slice(2).length ? process.argv.slice(2) : ['provision', 'validate', 'teardown'];

function build(name) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [
        'node_modules/@vercel/ncc/dist/ncc/cli.js',
        'build',
        `actions/${name}/main.ts`,
        '-o',
        `actions/${name}/dist`,
        '--quiet',
      ],
      { stdio: 'inherit' },
    );
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`ncc failed for ${name} (exit ${code})`));
      const size = statSync(`actions/${name}/dist/index.js`).size;
      console.log(
        `${name}: ${(size / 1e6).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      resolve();
    });
  });
}

// Two at a time: each ncc run peaks near 2 GB and the runners have 2 cores.
const queue = [...ACTIONS];
await Promise.all(
  [0, 1].map(async () => {
    while (queue.length) await build(queue.shift());
  }),
);
