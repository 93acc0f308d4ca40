// Parsing terraform's -json UI stream and classifying its failures, from lines captured from terraform 1.11.
import { describe, expect, it } from 'vitest';
import { classifyFailure, parseLockInfo, StateLockedError } from '../../src/engine/terraform-errors.ts';
import { UiEventParser, type TerraformEvent } from '../../src/engine/terraform-events.ts';

const resource = (addr: string): object => ({ resource: { addr, resource_type: addr.split('.')[0] } });
const line = (fields: object): string =>
  JSON.stringify({ '@level': 'info', '@module': 'terraform.ui', ...fields });

const APPLY_WITH_CROSS_STACK_READ = [
  line({ type: 'version', terraform: '1.11.4', ui: '1.2' }),
  line({ type: 'apply_start', hook: { ...resource('data.terraform_remote_state.a'), action: 'read' } }),
  line({ type: 'apply_complete', hook: { ...resource('data.terraform_remote_state.a'), action: 'read' } }),
  line({ type: 'planned_change', change: { ...resource('terraform_data.f'), action: 'create' } }),
  line({ type: 'planned_change', change: { ...resource('terraform_data.echo'), action: 'create' } }),
  line({ type: 'change_summary', changes: { add: 2, change: 0, import: 0, remove: 0, operation: 'plan' } }),
  line({ type: 'apply_start', hook: { ...resource('terraform_data.f'), action: 'create' } }),
  line({ type: 'apply_start', hook: { ...resource('terraform_data.echo'), action: 'create' } }),
  line({
    type: 'apply_complete',
    hook: { ...resource('terraform_data.echo'), action: 'create', elapsed_seconds: 0 },
  }),
  line({ type: 'provision_start', hook: { ...resource('terraform_data.f'), provisioner: 'local-exec' } }),
  line({
    type: 'apply_errored',
    hook: { ...resource('terraform_data.f'), action: 'create', elapsed_seconds: 0 },
  }),
  JSON.stringify({
    '@level': 'error',
    type: 'diagnostic',
    diagnostic: {
      severity: 'error',
      summary: 'local-exec provisioner error',
      detail: "Error running command 'exit 1': exit status 1. Output: ",
      address: 'terraform_data.f',
    },
  }),
];

const LOCK_DETAIL =
  'Error message: resource temporarily unavailable\nLock Info:\n  ID:        ff033ad8-cca1-0c57-e282-01d2476086db\n' +
  '  Path:      /tmp/state/lock.tfstate\n  Operation: OperationTypeApply\n  Who:       root@vm\n' +
  '  Version:   1.11.4\n  Created:   2026-11-27 15:22:32.83042152 +0000 UTC\n  Info:      \n\n\n' +
  'Terraform acquires a state lock to protect the state from being written\nby multiple users at the same time.';

function parseAll(lines: string[]): { parser: UiEventParser; events: TerraformEvent[] } {
  const parser = new UiEventParser();
  return { parser, events: lines.flatMap((l) => parser.parseLine(l)) };
}

describe('UiEventParser', () => {
  it('counts resource changes n/m against the plan, leaving data source reads out', () => {
    const { events } = parseAll(APPLY_WITH_CROSS_STACK_READ);
    const progress = events.flatMap((e) =>
      'done' in e
        ? [`${e.type} ${e.address} ${e.done}/${e.total}`]
        : e.type === 'planned'
          ? [`planned ${e.total}`]
          : [],
    );
    expect(progress).toEqual([
      'planned 2',
      'apply_start terraform_data.f 0/2',
      'apply_start terraform_data.echo 0/2',
      'apply_complete terraform_data.echo 1/2',
      'apply_errored terraform_data.f 1/2',
    ]);
  });

  it('keeps error diagnostics for the thrown error', () => {
    const { parser, events } = parseAll(APPLY_WITH_CROSS_STACK_READ);
    expect(events.at(-1)).toMatchObject({ type: 'diagnostic', diagnostic: { severity: 'error' } });
    expect(parser.errors).toEqual([
      {
        severity: 'error',
        summary: 'local-exec provisioner error',
        detail: "Error running command 'exit 1': exit status 1. Output: ",
        address: 'terraform_data.f',
      },
    ]);
    expect(parser.summary).toBeUndefined();
  });

  it('gives a running total from planned changes before the plan summary arrives', () => {
    const { events } = parseAll([
      line({ type: 'planned_change', change: { ...resource('aws_vpc.lab'), action: 'create' } }),
      line({ type: 'planned_change', change: { ...resource('aws_subnet.a'), action: 'create' } }),
      line({ type: 'apply_complete', hook: { ...resource('aws_vpc.lab'), action: 'create' } }),
    ]);
    expect(events).toMatchObject([{ type: 'apply_complete', done: 1, total: 2 }]);
  });

  it('reports the closing summary of a destroy', () => {
    const { parser, events } = parseAll([
      line({ type: 'change_summary', changes: { add: 0, change: 0, remove: 2, operation: 'destroy' } }),
    ]);
    expect(events).toEqual([{ type: 'summary', operation: 'destroy', add: 0, change: 0, remove: 2 }]);
    expect(parser.summary).toEqual({ add: 0, change: 0, remove: 2 });
  });

  it('ignores lines that are not JSON, such as stray warnings', () => {
    const { events } = parseAll([
      '',
      'There are some problems with the CLI configuration:',
      '{not json',
      '[1]',
    ]);
    expect(events).toEqual([]);
  });
});

describe('classifyFailure', () => {
  const run = { command: 'terraform apply', dir: '/labs/x/network', exitCode: 1, stderr: '' };

  it('turns a lock diagnostic into StateLockedError with who, when and the lock id', () => {
    const error = classifyFailure({
      ...run,
      diagnostics: [{ severity: 'error', summary: 'Error acquiring the state lock', detail: LOCK_DETAIL }],
    });
    expect(error).toBeInstanceOf(StateLockedError);
    expect((error as StateLockedError).lock).toEqual({
      id: 'ff033ad8-cca1-0c57-e282-01d2476086db',
      path: '/tmp/state/lock.tfstate',
      operation: 'OperationTypeApply',
      who: 'root@vm',
      version: '1.11.4',
      created: '2026-11-27 15:22:32.83042152 +0000 UTC',
      info: '',
    });
    expect(error.message).toBe(
      'State of /labs/x/network is locked by root@vm since 2026-11-27 15:22:32.83042152 +0000 UTC ' +
        '(OperationTypeApply, lock id ff033ad8-cca1-0c57-e282-01d2476086db, /tmp/state/lock.tfstate). ' +
        'Wait for that run to finish (or give a longer lock timeout); if it died, run ' +
        "'terraform force-unlock ff033ad8-cca1-0c57-e282-01d2476086db' in /labs/x/network.",
    );
  });

  it('falls back to the stderr tail when there are no diagnostics', () => {
    const error = classifyFailure({ ...run, exitCode: undefined, diagnostics: [], stderr: 'panic: boom\n' });
    expect(error).not.toBeInstanceOf(StateLockedError);
    expect(error.message).toBe('terraform apply was killed in /labs/x/network: panic: boom');
  });

  it('reads lock fields even when some are missing', () => {
    expect(parseLockInfo('Lock Info:\n  ID: 123\n')).toMatchObject({ id: '123', who: '', created: '' });
  });
});
