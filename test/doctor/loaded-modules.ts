// Child process of doctor-loads-no-cdktf.test.ts: imports one module (a path relative to the working directory)
// through tsx, as bin/tslab.js runs the CLI, and prints as JSON the URL of every module the process resolved on the
// way: ES imports through a resolve hook registered before tsx, CommonJS packages (cdktf is one) from require.cache.
import { createRequire, registerHooks } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const entry = process.argv[2];
if (!entry) throw new Error('usage: node test/doctor/loaded-modules.ts <module path>');

const resolved = new Set<string>();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    resolved.add(result.url);
    return result;
  },
});
const { register } = await import('tsx/esm/api');
register();
await import(pathToFileURL(resolve(entry)).href);

for (const file of Object.keys(createRequire(import.meta.url).cache)) resolved.add(pathToFileURL(file).href);
process.stdout.write(JSON.stringify([...resolved]));
