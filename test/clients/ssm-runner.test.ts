import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  InvalidInstanceId,
  InvocationDoesNotExist,
  SSMClient,
  SendCommandCommand,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { InstanceCommandTimeoutError, runOnInstance } from '../../src/clients/aws/ssm-runner.ts';

const ssmMock = mockClient(SSMClient);
const ssm = new SSMClient({ region: 'eu-west-1' });
let clock: number;
let sleeps: number[];
const timing = () => ({
  now: () => clock,
  sleep: async (ms: number) => {
    sleeps.push(ms);
    clock += ms;
  },
});
const notYet = () => new InvocationDoesNotExist({ message: 'Invocation does not exist', $metadata: {} });

beforeEach(() => {
  ssmMock.reset();
  clock = 0;
  sleeps = [];
  ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-123' } });
});

describe('runOnInstance', () => {
  it('sends the script with AWS-RunShellScript and an execution timeout', async () => {
    ssmMock.on(GetCommandInvocationCommand).resolves({ Status: 'Success', ResponseCode: 0 });
    const script = 'set -e\ntailscale status --json | jq .Self.Online';
    await runOnInstance(ssm, 'i-0abc', script, {
      timeoutMs: 90_000,
      comment: 'tslab validate demo',
      ...timing(),
    });
    expect(ssmMock.commandCalls(SendCommandCommand)[0]!.args[0].input).toEqual({
      InstanceIds: ['i-0abc'],
      DocumentName: 'AWS-RunShellScript',
      Parameters: { commands: [script], executionTimeout: ['90'] },
      Comment: 'tslab validate demo',
    });
  });

  it('polls past "invocation does not exist" and in-progress states until the command succeeds', async () => {
    ssmMock
      .on(GetCommandInvocationCommand, { CommandId: 'cmd-123', InstanceId: 'i-0abc' })
      .rejectsOnce(notYet())
      .resolvesOnce({ Status: 'Pending', ResponseCode: -1 })
      .resolvesOnce({ Status: 'InProgress', ResponseCode: -1 })
      .resolves({
        Status: 'Success',
        ResponseCode: 0,
        StandardOutputContent: 'true\n',
        StandardErrorContent: '',
      });

    const result = await runOnInstance(ssm, 'i-0abc', 'echo hi', {
      timeoutMs: 60_000,
      pollMs: 1500,
      ...timing(),
    });

    expect(result).toEqual({
      commandId: 'cmd-123',
      status: 'Success',
      exitCode: 0,
      stdout: 'true\n',
      stderr: '',
    });
    expect(ssmMock.commandCalls(GetCommandInvocationCommand)).toHaveLength(4);
    expect(sleeps).toEqual([1500, 1500, 1500, 1500]);
  });

  it('returns a failed script with its exit code and both streams', async () => {
    ssmMock.on(GetCommandInvocationCommand).resolves({
      Status: 'Failed',
      ResponseCode: 7,
      StandardOutputContent: 'partial\n',
      StandardErrorContent: 'curl: (7) Failed to connect\n',
    });
    const result = await runOnInstance(ssm, 'i-0abc', 'curl http://nginx', {
      timeoutMs: 30_000,
      ...timing(),
    });
    expect(result).toMatchObject({ status: 'Failed', exitCode: 7, stdout: 'partial\n' });
    expect(result.stderr).toContain('Failed to connect');
  });

  it('reports an SSM-side timeout as a final status, with -1 when there is no exit code', async () => {
    ssmMock.on(GetCommandInvocationCommand).resolves({ Status: 'TimedOut' });
    const result = await runOnInstance(ssm, 'i-0abc', 'sleep 999', { timeoutMs: 30_000, ...timing() });
    expect(result).toMatchObject({ status: 'TimedOut', exitCode: -1, stdout: '', stderr: '' });
  });

  it('gives up at its own timeout, cancels the command and says where it was', async () => {
    ssmMock.on(GetCommandInvocationCommand).resolves({ Status: 'InProgress', ResponseCode: -1 });
    ssmMock.on(CancelCommandCommand).resolves({});
    const error = await runOnInstance(ssm, 'i-0abc', 'sleep 999', {
      timeoutMs: 10_000,
      pollMs: 2000,
      ...timing(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InstanceCommandTimeoutError);
    expect((error as Error).message).toBe(
      'SSM command cmd-123 on i-0abc did not finish within 10s (last status: InProgress)',
    );
    expect(ssmMock.commandCalls(CancelCommandCommand)[0]!.args[0].input).toEqual({
      CommandId: 'cmd-123',
      InstanceIds: ['i-0abc'],
    });
    expect(clock).toBe(10_000);
  });

  it('surfaces other polling errors at once instead of waiting them out', async () => {
    ssmMock.on(GetCommandInvocationCommand).rejects(new Error('AccessDeniedException: not authorized'));
    await expect(runOnInstance(ssm, 'i-0abc', 'true', { timeoutMs: 60_000, ...timing() })).rejects.toThrow(
      'Could not read SSM command cmd-123 on i-0abc: AccessDeniedException: not authorized',
    );
    expect(ssmMock.commandCalls(GetCommandInvocationCommand)).toHaveLength(1);
  });

  it('names the instance when the command cannot be sent', async () => {
    ssmMock
      .on(SendCommandCommand)
      .rejects(
        new InvalidInstanceId({ message: 'Instances not in a valid state for account', $metadata: {} }),
      );
    await expect(runOnInstance(ssm, 'i-0abc', 'true', { timeoutMs: 60_000, ...timing() })).rejects.toThrow(
      'Could not send an SSM command to i-0abc: Instances not in a valid state for account',
    );
    expect(ssmMock.commandCalls(GetCommandInvocationCommand)).toHaveLength(0);
  });
});
