// Runs the functional checks concurrently, then the measurements one at a time, so that a measurement disturbs
// neither the checks nor the other measurement (docs/design/lab.md §5). Each check starts after those it depends on
// and has its own deadline; settling checks are retried with capped exponential backoff.
import type { LabConfig } from '../lab/config.ts';
import type { MeasurementThresholds } from './data-plane.ts';
import { errorMessage } from '../lab/errors.ts';
import type { LabProbe } from './probe.ts';
import { CheckFailure, type CheckDefinition, type CheckResult, type Evidence } from './types.ts';

export interface RunChecksOptions {
  /** Deadline per check, from its start. */
  timeoutMs: number;
  /** First pause between attempts of a settling check; doubles up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  onResult?: (result: CheckResult) => void;
  thresholds?: MeasurementThresholds;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runChecks(
  checks: readonly CheckDefinition[],
  lab: LabConfig,
  probe: LabProbe,
  options: RunChecksOptions,
): Promise<CheckResult[]> {
  const byId = new Map(checks.map((c) => [c.id, c]));
  const running = new Map<string, Promise<CheckResult>>();

  const start = (check: CheckDefinition): Promise<CheckResult> => {
    const existing = running.get(check.id);
    if (existing) return existing;
    const promise = (async () => {
      const upstream = new Map<string, Evidence>();
      for (const dependency of check.dependsOn ?? []) {
        const definition = byId.get(dependency);
        const result = definition ? await start(definition) : undefined;
        if (result?.status !== 'pass') {
          return skipped(
            check,
            `needs ${dependency}, which ${result ? `ended ${result.status}` : 'was not run'}`,
          );
        }
        upstream.set(dependency, result.evidence);
      }
      const context = {
        lab,
        probe,
        upstream,
        ...(options.thresholds ? { thresholds: options.thresholds } : {}),
      };
      const result = await attemptUntilDeadline(
        check,
        context,
        check.measures ? { ...options, timeoutMs: check.measures.timeoutMs } : options,
      );
      options.onResult?.(result);
      return result;
    })();
    running.set(check.id, promise);
    return promise;
  };

  // Functional checks at once; measurements after all of them, one at a time.
  const functional = await Promise.all(checks.filter((c) => !c.measures).map(start));
  const measured: CheckResult[] = [];
  for (const check of checks.filter((c) => c.measures)) measured.push(await start(check));
  const byResult = new Map([...functional, ...measured].map((r) => [r.id, r]));
  return checks.map((c) => byResult.get(c.id)!);
}

function skipped(check: CheckDefinition, why: string): CheckResult {
  return {
    id: check.id,
    scenario: check.scenario,
    title: check.title,
    status: 'skip',
    durationMs: 0,
    attempts: 0,
    evidence: {},
    error: why,
  };
}

async function attemptUntilDeadline(
  check: CheckDefinition,
  context: Parameters<CheckDefinition['run']>[0],
  options: RunChecksOptions,
): Promise<CheckResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const started = now();
  const deadline = started + options.timeoutMs;
  let delay = options.initialDelayMs ?? 1000;
  let attempts = 0;
  let lastError: string | undefined;
  let lastEvidence: Evidence = {};

  for (;;) {
    attempts++;
    try {
      const evidence = await withTimeout(
        check.run(context),
        deadline - now(),
        `${check.id} (${check.title})`,
      );
      return { ...base(check), status: 'pass', durationMs: now() - started, attempts, evidence };
    } catch (error) {
      // A final attempt cut short by the deadline says less than the failure before it: keep that one.
      if (!(error instanceof CheckTimeout) || lastError === undefined) {
        lastError = errorMessage(error);
        lastEvidence = error instanceof CheckFailure ? error.evidence : {};
      }
    }
    const remaining = deadline - now();
    if (!check.settles || remaining <= 0) break;
    await sleep(Math.min(delay, remaining));
    delay = Math.min(delay * 2, options.maxDelayMs ?? 10_000);
    if (deadline - now() <= 0) break;
  }
  return {
    ...base(check),
    status: 'fail',
    durationMs: now() - started,
    attempts,
    evidence: lastEvidence,
    error: attempts > 1 ? `${lastError} (after ${attempts} attempts)` : lastError,
  };
}

function base(check: CheckDefinition): Pick<CheckResult, 'id' | 'scenario' | 'title'> {
  return { id: check.id, scenario: check.scenario, title: check.title };
}

class CheckTimeout extends Error {}

async function withTimeout<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        // Even with no time left the check's own promise is raced, never left to reject unobserved.
        timer = setTimeout(
          () => reject(new CheckTimeout(`no answer within ${ms} ms: ${label}`)),
          Math.max(0, ms),
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
