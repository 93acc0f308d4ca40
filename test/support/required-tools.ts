// What every test run needs before the first test file loads (vitest's globalSetup), so a machine without it fails
// the run at once with one message instead of a scatter of failures: terraform at the engine's minimum (the engine
// tests run the real binary; no flag lets them pass without it), and the capabilities TSLAB_TESTS_REQUIRE promises.
// .ci/run runs this file with node before `npm test` for the same verdict (docs/testing.md).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineVersion, type VersionJsonRunner } from '../../src/engine/engine-version.ts';
import { engineVerdict, MIN_ENGINE } from '../../src/doctor/engine.ts';
import { brokenPromises, promisedCapabilities, REQUIRE_VARIABLE } from './capabilities.ts';

/** Why the terraform on this environment's PATH cannot run the tests, or its version when it can. */
export async function engineProblem(
  env: NodeJS.ProcessEnv,
  run?: VersionJsonRunner,
): Promise<{ problem: string } | { version: string }> {
  const verdict = engineVerdict(
    'terraform',
    await engineVersion('terraform', { ...env, CHECKPOINT_DISABLE: '1' }, run),
  );
  if (verdict.usable) return { version: verdict.version };
  return {
    problem:
      `npm test needs terraform ${MIN_ENGINE} or later (the engine tests run the real binary): ${verdict.detail}.\n` +
      `${verdict.fix.replace(/\.$/, '')}. See docs/testing.md.`,
  };
}

/** Everything that stops the run, each problem on its own lines (none when the tests can start); the engine seen. */
export async function readiness(env: NodeJS.ProcessEnv): Promise<{ problems: string[]; engine?: string }> {
  const engine = await engineProblem(env);
  let promises: string[];
  try {
    promises = brokenPromises(env);
  } catch (error) {
    promises = [error instanceof Error ? error.message : String(error)];
  }
  return 'problem' in engine
    ? { problems: [engine.problem, ...promises] }
    : { problems: promises, engine: `terraform ${engine.version}` };
}

export default async function setup(): Promise<void> {
  const { problems } = await readiness(process.env);
  if (!problems.length) return;
  const error = new Error(`The tests cannot run here:\n${problems.join('\n')}`);
  error.stack = `${error.name}: ${error.message}`; // the message is the whole story: no code frame under it
  throw error;
}

// `node test/support/required-tools.ts` (.ci/run): the same checks; what was found, or the problems and exit 1.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { problems, engine } = await readiness(process.env);
  if (problems.length) {
    console.error(`The tests cannot run here:\n${problems.join('\n')}`);
    process.exit(1);
  }
  const promised = [...promisedCapabilities(process.env)].join(', ') || 'nothing';
  console.log(`${engine} (minimum ${MIN_ENGINE}); ${REQUIRE_VARIABLE} promises ${promised}`);
}
