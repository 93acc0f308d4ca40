// Bundles each action with ncc into actions/<name>/dist/index.js (ESM, runs on node24): all three, or those named
// (`npm run build -- teardown`). Jobs build the one action they run; scripts/release.ts commits the bundles on a
// release commit that is not on main.
//
// ncc's own minification (-m) covers only the entry file, never the chunks it loads on demand, where almost all of
// the code is (README "Benchmarks"). So every file is minified here with esbuild: the chunks fully, the entry without
// renaming identifiers, because scripts/release.ts finds the chunks the entry loads by its
// `__nccwpck_require__.e(<id>)` calls.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transform } from 'esbuild';

const ACTIONS = process.argv.slice(2).length ? process.argv.slice(2) : ['provision', 'validate', 'teardown'];

function ncc(name, dist) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['node_modules/@vercel/ncc/dist/ncc/cli.js', 'build', `actions/${name}/main.ts`, '-o', dist, '--quiet'],
      { stdio: 'inherit' },
    );
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`ncc failed for ${name} (exit ${code})`)),
    );
  });
}

const CHUNK_LOAD = /__nccwpck_require__\.e\((?:\/\*[^*]*\*\/\s*)?(\d+)\)/g;
const chunkLoads = (code) => [...code.matchAll(CHUNK_LOAD)].map((m) => m[1]).sort();

async function minify(dist) {
  for (const file of readdirSync(dist).filter((f) => f.endsWith('.js'))) {
    const path = join(dist, file);
    const source = readFileSync(path, 'utf8');
    const entry = file === 'index.js';
    let { code } = await transform(source, {
      ...(entry ? { minifyWhitespace: true, minifySyntax: true } : { minify: true }),
      // Error and class names stay readable in messages and stack traces.
      keepNames: true,
      format: 'esm',
      target: 'node24',
    });
    if (entry) {
      // esbuild suffixes the module functions' `__nccwpck_require__` parameters that shadow the entry's own
      // function (`__nccwpck_require__2`); all of them are that one function, so the name is given back.
      if (/__nccwpck_require__\d/.test(source))
        throw new Error(`${path}: unexpected __nccwpck_require__<n> name`);
      code = code.replace(/__nccwpck_require__\d+\b/g, '__nccwpck_require__');
      if (chunkLoads(code).join() !== chunkLoads(source).join())
        throw new Error(`${path}: minifying changed the chunks the entry loads`);
    }
    writeFileSync(path, code);
  }
}

async function build(name) {
  const started = performance.now();
  const dist = `actions/${name}/dist`;
  // ncc adds to an existing dist/ and never removes a chunk a previous build left there.
  rmSync(dist, { recursive: true, force: true });
  await ncc(name, dist);
  await minify(dist);
  const bytes = readdirSync(dist).reduce((total, file) => total + statSync(join(dist, file)).size, 0);
  console.log(
    `${name}: ${(bytes / 1e6).toFixed(1)} MB (entry ${(statSync(join(dist, 'index.js')).size / 1e6).toFixed(1)} MB) ` +
      `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

// Two at a time: each ncc run peaks near 2 GB and the runners have 2 cores.
const queue = [...ACTIONS];
await Promise.all(
  [0, 1].map(async () => {
    while (queue.length) await build(queue.shift());
  }),
);
