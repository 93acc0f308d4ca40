// How a run is asked to stop. GitHub cancels a step with SIGINT, SIGTERM 7.5 s later and a kill of the process tree
// 2.5 s after that (docs/design/interruptions.md §1); a terminal's Ctrl-C sends SIGINT. The first signal asks
// terraform to stop at a safe point (state written, its lock released: §2); the second one hurries it (terraform
// exits at once) so the lab is still recorded as interrupted and the run lock released before the kill.

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** The run stopped because it was asked to; the lab is recorded as interrupted and a teardown removes it. */
export class InterruptedError extends Error {
  constructor(
    readonly signal: StopSignal,
    readonly where?: string,
  ) {
    super(`interrupted by ${signal}${where ? ` ${where}` : ''}`);
    this.name = 'InterruptedError';
  }
}

/** Two stages: `stop` aborts at the first signal, `hurry` at the second. Both carry an InterruptedError. */
export interface Interruption {
  readonly stop: AbortSignal;
  readonly hurry: AbortSignal;
}

/** Throws the interruption's InterruptedError once `stop` has fired. */
export function throwIfStopped(interruption: Interruption | undefined, where?: string): void {
  if (!interruption?.stop.aborted) return;
  const reason = interruption.stop.reason as unknown;
  throw reason instanceof InterruptedError && where === undefined
    ? reason
    : new InterruptedError(reason instanceof InterruptedError ? reason.signal : 'SIGINT', where);
}

/** A controllable interruption: what the signal trap drives, and what tests drive by hand. */
export class InterruptionController implements Interruption {
  private readonly stopping = new AbortController();
  private readonly hurrying = new AbortController();

  get stop(): AbortSignal {
    return this.stopping.signal;
  }

  get hurry(): AbortSignal {
    return this.hurrying.signal;
  }

  /** First call stops, second hurries; later ones change nothing. Returns the stage reached. */
  interrupt(signal: StopSignal): 'stop' | 'hurry' | 'already' {
    if (!this.stopping.signal.aborted) {
      this.stopping.abort(new InterruptedError(signal));
      return 'stop';
    }
    if (!this.hurrying.signal.aborted) {
      this.hurrying.abort(new InterruptedError(signal));
      return 'hurry';
    }
    return 'already';
  }
}

export interface SignalTrap {
  interruption: Interruption;
  /** Removes the handlers (the process's default signal behaviour returns). */
  dispose(): void;
}

/**
 * Catches SIGINT and SIGTERM for the length of an operation. A third signal exits at once: whoever sends it has run
 * out of patience, and the lab is already recorded (the next teardown takes over, §3 of docs/design/interruptions.md).
 */
export function trapStopSignals(
  say: (line: string) => void,
  proc: Pick<NodeJS.Process, 'on' | 'off' | 'exit'> = process,
): SignalTrap {
  const controller = new InterruptionController();
  const handler = (signal: StopSignal) => {
    const stage = controller.interrupt(signal);
    if (stage === 'stop') {
      say(
        `${signal} received: stopping terraform at a safe point, then releasing the lab (a second signal hurries)`,
      );
    } else if (stage === 'hurry') {
      say(`${signal} received again: terraform stops at once; recording the lab as interrupted`);
    } else {
      proc.exit(signal === 'SIGINT' ? 130 : 143);
    }
  };
  const onInt = () => handler('SIGINT');
  const onTerm = () => handler('SIGTERM');
  proc.on('SIGINT', onInt);
  proc.on('SIGTERM', onTerm);
  return {
    interruption: controller,
    dispose() {
      proc.off('SIGINT', onInt);
      proc.off('SIGTERM', onTerm);
    },
  };
}

/** `work`, or the InterruptedError as soon as the run is stopped (the work itself is left to finish unseen). */
export function untilStopped<T>(
  work: Promise<T>,
  interruption: Interruption | undefined,
  where?: string,
): Promise<T> {
  if (!interruption) return work;
  return new Promise<T>((resolve, reject) => {
    const onStop = () => {
      try {
        throwIfStopped(interruption, where);
      } catch (error) {
        reject(error as Error);
      }
    };
    if (interruption.stop.aborted) return onStop();
    interruption.stop.addEventListener('abort', onStop, { once: true });
    work.then(
      (value) => {
        interruption.stop.removeEventListener('abort', onStop);
        resolve(value);
      },
      (error: unknown) => {
        interruption.stop.removeEventListener('abort', onStop);
        reject(error as Error);
      },
    );
  });
}

/**
 * A wait that ends early, with the InterruptedError, when the run is stopped, and clears its timer then (a stopped
 * run exits without waiting it out). `sleep` replaces the timer in tests. The timer keeps the process alive: a run
 * waiting for a lock or a router has nothing else to.
 */
export function stoppableSleep(
  ms: number,
  interruption: Interruption | undefined,
  where?: string,
  sleep?: (ms: number) => Promise<void>,
): Promise<void> {
  if (sleep) return untilStopped(sleep(ms), interruption, where);
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return untilStopped(waited, interruption, where).finally(() => clearTimeout(timer));
}
