// Runs a shell script on the lab's EC2 client through SSM Run Command (the instance has no SSH and no public entry):
// SendCommand with AWS-RunShellScript, then poll GetCommandInvocation until the invocation reaches a final status.
import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  InvocationDoesNotExist,
  SendCommandCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { errorMessage } from '../../lab/errors.ts';
import { sleep as realSleep } from '../../util/retry.ts';

export type FinalCommandStatus = 'Success' | 'Failed' | 'TimedOut' | 'Cancelled';
const FINAL_STATUSES: readonly string[] = [
  'Success',
  'Failed',
  'TimedOut',
  'Cancelled',
] satisfies FinalCommandStatus[];

export interface RunOnInstanceOptions {
  /** How long tslab waits, and how long SSM lets the script run (rounded up to seconds). */
  timeoutMs: number;
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Shown in the SSM console's command history (at most 100 characters). */
  comment?: string;
}

export interface InstanceCommandResult {
  commandId: string;
  status: FinalCommandStatus;
  /** The script's exit code; -1 when SSM has none (cancelled, or timed out before it ended). */
  exitCode: number;
  /** SSM keeps the first 24,000 characters of stdout and 8,000 of stderr in the invocation. */
  stdout: string;
  stderr: string;
}

/** tslab stopped waiting; the command was cancelled on the way out. */
export class InstanceCommandTimeoutError extends Error {
  constructor(
    readonly instanceId: string,
    readonly commandId: string,
    readonly lastStatus: string,
    timeoutMs: number,
  ) {
    super(
      `SSM command ${commandId} on ${instanceId} did not finish within ${Math.round(timeoutMs / 1000)}s ` +
        `(last status: ${lastStatus})`,
    );
    this.name = 'InstanceCommandTimeoutError';
  }
}

export async function runOnInstance(
  ssm: SSMClient,
  instanceId: string,
  script: string,
  options: RunOnInstanceOptions,
): Promise<InstanceCommandResult> {
  const wait = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? 2000;
  const deadline = now() + options.timeoutMs;

  let commandId: string | undefined;
  try {
    const sent = await ssm.send(
      new SendCommandCommand({
        InstanceIds: [instanceId],
        DocumentName: 'AWS-RunShellScript',
        // One element: the document writes it to a file and runs it, so multi-line scripts keep their shape.
        Parameters: {
          commands: [script],
          executionTimeout: [String(Math.max(1, Math.ceil(options.timeoutMs / 1000)))],
        },
        ...(options.comment ? { Comment: options.comment.slice(0, 100) } : {}),
      }),
    );
    commandId = sent.Command?.CommandId;
  } catch (error) {
    throw new Error(`Could not send an SSM command to ${instanceId}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  if (!commandId) throw new Error(`SSM accepted a command for ${instanceId} but returned no command id`);

  let lastStatus = 'Pending';
  while (now() < deadline) {
    await wait(pollMs);
    let invocation;
    try {
      invocation = await ssm.send(
        new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }),
      );
    } catch (error) {
      // Right after SendCommand the invocation is not registered yet: that is "pending", not a failure.
      if (error instanceof InvocationDoesNotExist) continue;
      throw new Error(`Could not read SSM command ${commandId} on ${instanceId}: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    lastStatus = invocation.Status ?? lastStatus;
    if (FINAL_STATUSES.includes(lastStatus)) {
      return {
        commandId,
        status: lastStatus as FinalCommandStatus,
        exitCode: invocation.ResponseCode ?? -1,
        stdout: invocation.StandardOutputContent ?? '',
        stderr: invocation.StandardErrorContent ?? '',
      };
    }
  }

  // Don't leave the script running on the client after tslab has moved on.
  await ssm
    .send(new CancelCommandCommand({ CommandId: commandId, InstanceIds: [instanceId] }))
    .catch(() => undefined);
  throw new InstanceCommandTimeoutError(instanceId, commandId, lastStatus, options.timeoutMs);
}
