// What some tests need beyond the engine (which every run needs: required-tools.ts), how a machine lacks it, and
// the promise TSLAB_TESTS_REQUIRE makes: a promised capability that is missing fails the run instead of skipping.
// No vitest import here: the global setup and .ci/run load this file outside the test workers.
import { spawnSync } from 'node:child_process';
import { localPreflight } from '../../src/targets/local/preflight.ts';

export const CAPABILITIES = {
  'local-lab': {
    what: "root, the lab's Debian packages, /dev/net/tun and network namespaces: what the local lab needs",
    missing: () => {
      const problems = localPreflight();
      return problems.length ? problems.join('; ') : undefined;
    },
  },
  'uts-namespace': {
    what: 'a UTS namespace of its own for a process, so a teardown can run as if from another host',
    missing: () => {
      const run = spawnSync('unshare', ['--uts', 'true'], { encoding: 'utf8' });
      if (run.status === 0) return undefined;
      const why = run.error?.message ?? (run.stderr.trim() || `exit ${run.status}`);
      return `\`unshare --uts true\` fails here (${why}): it needs root (CAP_SYS_ADMIN)`;
    },
  },
} satisfies Record<string, { what: string; missing: () => string | undefined }>;

export type Capability = keyof typeof CAPABILITIES;

export const REQUIRE_VARIABLE = 'TSLAB_TESTS_REQUIRE';

/** Each capability is also a vitest tag on the tests that need it: `vitest run --tags-filter local-lab` runs them. */
export const CAPABILITY_TAGS = Object.entries(CAPABILITIES).map(([name, { what }]) => ({
  name,
  description: what,
}));

export const isCapability = (name: string): name is Capability => Object.hasOwn(CAPABILITIES, name);

/** The capabilities TSLAB_TESTS_REQUIRE promises (comma- or space-separated names); a name it does not know throws. */
export function promisedCapabilities(env: NodeJS.ProcessEnv = process.env): Set<Capability> {
  const names = (env[REQUIRE_VARIABLE] ?? '').split(/[\s,]+/).filter(Boolean);
  const unknown = names.filter((name) => !isCapability(name));
  if (unknown.length) {
    throw new Error(
      `${REQUIRE_VARIABLE}: ${unknown.map((name) => JSON.stringify(name)).join(', ')} is not a capability tests ` +
        `can require; it takes a comma-separated list of: ${Object.keys(CAPABILITIES).join(', ')} (docs/testing.md)`,
    );
  }
  return new Set(names.filter(isCapability));
}

const seen = new Map<Capability, string | undefined>();

/** Why this machine lacks the capability, or undefined when it has it (checked once per process). */
export function missingReason(capability: Capability): string | undefined {
  if (!seen.has(capability)) seen.set(capability, CAPABILITIES[capability].missing());
  return seen.get(capability);
}

export const brokenPromise = (capability: Capability, reason: string): string =>
  `${REQUIRE_VARIABLE} promises ${capability}, but this machine lacks it: ${reason}`;

/** The promised capabilities this machine lacks, each with its reason. */
export function brokenPromises(
  env: NodeJS.ProcessEnv,
  missing: (capability: Capability) => string | undefined = missingReason,
): string[] {
  return [...promisedCapabilities(env)].flatMap((capability) => {
    const reason = missing(capability);
    return reason === undefined ? [] : [brokenPromise(capability, reason)];
  });
}

export type Decision = { mode: 'run' } | { mode: 'skip'; title: string } | { mode: 'fail'; message: string };

/** What a test that needs these capabilities does here: run, skip saying why, or fail a promise. */
export function decide(
  name: string,
  needed: readonly Capability[],
  missing: (capability: Capability) => string | undefined,
  promised: ReadonlySet<Capability>,
): Decision {
  const lacking = needed.flatMap((capability) => {
    const reason = missing(capability);
    return reason === undefined ? [] : [{ capability, reason }];
  });
  if (!lacking.length) return { mode: 'run' };
  const broken = lacking.filter(({ capability }) => promised.has(capability));
  if (broken.length) {
    return {
      mode: 'fail',
      message: broken.map(({ capability, reason }) => brokenPromise(capability, reason)).join('\n'),
    };
  }
  return { mode: 'skip', title: skippedTitle(name, lacking) };
}

// The reason goes into the title so that every reporter shows it; brackets are kept out of the reason so that the
// title parses back (skip-summary.ts).
const SKIPPED = / \[skipped, needs ([a-z-]+(?:, [a-z-]+)*): ([^[\]]*)\]$/;

export function skippedTitle(
  name: string,
  lacking: readonly { capability: Capability; reason: string }[],
): string {
  const capabilities = lacking.map(({ capability }) => capability).join(', ');
  const reasons = lacking.map(({ reason }) => reason.replaceAll('[', '(').replaceAll(']', ')')).join('; ');
  return `${name} [skipped, needs ${capabilities}: ${reasons}]`;
}

/** The capabilities and reason a title made by skippedTitle carries, or undefined for any other title. */
export function parseSkippedTitle(title: string): { capabilities: string[]; reason: string } | undefined {
  const match = SKIPPED.exec(title);
  return match ? { capabilities: match[1]!.split(', '), reason: match[2]! } : undefined;
}
