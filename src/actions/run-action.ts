// How every tslab action ends: bad input and failures become one clear setFailed line, never a stack trace.
import * as core from '@actions/core';
import { InterruptedError, trapStopSignals, type Interruption } from '../engine/interruption.ts';
import { GroupedProgress } from '../engine/progress.ts';
import { renderGantt } from '../engine/gantt.ts';
import type { Timeline } from '../targets/lab-target.ts';
import { expiredSessionAdvice, isExpiredSession } from '../clients/aws/expired-session.ts';
import { errorMessage, LabConfigError, renameFields } from '../lab/errors.ts';
import { kebabName } from '../lab/string-inputs.ts';

export interface ActionRun {
  /** The runner's cancellation (SIGINT, then SIGTERM): hand it to the operation. */
  interruption: Interruption;
}

export async function runAction(name: string, body: (run: ActionRun) => Promise<void>): Promise<void> {
  const trap = trapStopSignals((line) => core.warning(line));
  try {
    await body({ interruption: trap.interruption });
  } catch (error) {
    if (error instanceof InterruptedError) {
      core.setFailed(
        `tslab ${name}: ${error.message}; the lab is recorded as interrupted and the teardown job (or the next ` +
          'sweep) removes it',
      );
    } else if (error instanceof LabConfigError) {
      core.setFailed(`tslab ${name}: invalid input\n${renameFields(error, kebabName).message}`);
    } else if (isExpiredSession(error)) {
      core.setFailed(`tslab ${name}: ${expiredSessionAdvice(name)}\n${errorMessage(error)}`);
    } else core.setFailed(`tslab ${name}: ${errorMessage(error)}`);
  } finally {
    trap.dispose();
  }
}

/** The run's timeline as a Mermaid gantt chart, for a job summary: where the minutes went. */
export function timelineChart(title: string, timeline: Timeline): string {
  return renderGantt(title, timeline.startedAtMs, timeline.bars);
}

/** Progress lines go to the log as they come, so a 15-minute apply is never a silent wait. */
export function logLine(line: string): void {
  core.info(line);
}

/**
 * Stack progress for the job log: each stack's lines in one `::group::<stack> <operation>` (see GroupedProgress for
 * what happens when stacks interleave). Close it when the run ends, before the action's last word.
 */
export function stackProgress(): GroupedProgress {
  return new GroupedProgress({
    line: (text) => core.info(text),
    startGroup: (title) => core.startGroup(title),
    endGroup: () => core.endGroup(),
  });
}
