// Whether the GitHub run holding a lab's run lock has ended ("Get a workflow run attempt", needs actions: read;
// docs/design/interruptions.md §5). Used only as evidence for taking over a lock: any doubt answers undefined.
import type { WorkflowRun } from '../engine/run-lock.ts';
import type { RepoRef } from './github-api.ts';

export interface WorkflowRunsApi {
  rest: {
    actions: {
      getWorkflowRunAttempt(
        params: RepoRef & { run_id: number; attempt_number: number },
      ): Promise<{ data: { status?: string | null } }>;
    };
  };
}

/** true: GitHub reports that attempt completed (whatever its conclusion); undefined: unknown, never a guess. */
export function runEndedVia(api: WorkflowRunsApi): (run: WorkflowRun) => Promise<boolean | undefined> {
  return async (run) => {
    const [owner, repo] = run.repository.split('/');
    const runId = Number(run.id);
    if (!owner || !repo || !Number.isSafeInteger(runId)) return undefined;
    try {
      const { data } = await api.rest.actions.getWorkflowRunAttempt({
        owner,
        repo,
        run_id: runId,
        attempt_number: run.attempt,
      });
      return data.status === 'completed' ? true : data.status ? false : undefined;
    } catch {
      return undefined;
    }
  };
}
