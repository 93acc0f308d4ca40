// Lifecycle decisions that need no real terraform: stack selection, remote-state probing, failed destroys,
// interruptions.
import { beforeEach, describe, expect, it } from 'vitest';
import { InterruptedError, InterruptionController } from '../../src/engine/interruption.ts';
import { deployLab, destroyLab, StackError } from '../../src/engine/lifecycle.ts';
import { isManagedAddress } from '../../src/engine/local-state.ts';
import {
  buildManifest,
  withStackStatus,
  type LabManifest,
  type ManifestStore,
} from '../../src/engine/manifest.ts';
import type { LabProgressEvent } from '../../src/engine/progress.ts';
import type { SynthesizedStack } from '../../src/engine/stack-order.ts';
import { TerraformError, TerraformOutputs, type TerraformRunner } from '../../src/engine/terraform.ts';
import { resolveLab } from '../../src/lab/config.ts';

const lab = resolveLab({ lab: 'rules', stateBucket: 'tslab-state', createdAt: '2026-11-27T10:00:00Z' });
const remote = (id: string, dependencies: string[] = []): SynthesizedStack => ({
  id,
  workingDirectory: `/out/stacks/${id}`,
  dependencies,
  backend: { kind: 'remote', type: 's3' },
});
const STACKS = [remote('network'), remote('cluster', ['network']), remote('workloads', ['cluster'])];

class MemoryStore implements ManifestStore {
  readonly saved = new Map<string, LabManifest>();
  read = async (id: string): Promise<LabManifest | undefined> => this.saved.get(id);
  write = async (manifest: LabManifest): Promise<void> => void this.saved.set(manifest.lab, manifest);
  delete = async (id: string): Promise<void> => void this.saved.delete(id);
  list = async (): Promise<LabManifest[]> => [...this.saved.values()];
}

let calls: string[];
let stateOf: Record<string, string[]>;
let failDestroyOf: string | undefined;
const stackOf = (dir: string): string => dir.split('/').pop() ?? dir;
const runner: TerraformRunner = {
  init: async (dir) => void calls.push(`init ${stackOf(dir)}`),
  apply: async (dir) => (calls.push(`apply ${stackOf(dir)}`), { add: 1, change: 0, remove: 0 }),
  output: async () => new TerraformOutputs({}),
  stateList: async (dir) => (calls.push(`state list ${stackOf(dir)}`), stateOf[stackOf(dir)] ?? []),
  destroy: async (dir) => {
    calls.push(`destroy ${stackOf(dir)}`);
    if (stackOf(dir) === failDestroyOf) {
      throw new TerraformError({
        command: 'terraform destroy',
        dir,
        exitCode: 1,
        diagnostics: [],
        stderr: 'DependencyViolation',
      });
    }
    return { add: 0, change: 0, remove: (stateOf[stackOf(dir)] ?? []).length };
  },
};

beforeEach(() => {
  calls = [];
  stateOf = {};
  failDestroyOf = undefined;
});

describe('deployLab with only', () => {
  it('applies just the named stacks when their dependencies are already applied', async () => {
    const store = new MemoryStore();
    await store.write(withStackStatus(buildManifest(lab), 'network', 'applied', new Date()));
    const result = await deployLab({
      stacks: STACKS,
      terraform: runner,
      store,
      manifest: buildManifest(lab),
      only: ['cluster'],
    });
    expect(calls).toEqual(['init cluster', 'apply cluster']);
    expect(Object.keys(result.manifest.stacks).sort()).toEqual(['cluster', 'network']);
  });

  it('refuses, before writing or running anything, a stack whose dependency is not applied', async () => {
    const store = new MemoryStore();
    await expect(
      deployLab({
        stacks: STACKS,
        terraform: runner,
        store,
        manifest: buildManifest(lab),
        only: ['workloads'],
      }),
    ).rejects.toThrow("Stack 'workloads' reads outputs of 'cluster', which is not applied in lab 'rules'");
    expect(calls).toEqual([]);
    expect(store.saved.size).toBe(0);
  });

  it('names unknown stacks', async () => {
    await expect(
      deployLab({
        stacks: STACKS,
        terraform: runner,
        store: new MemoryStore(),
        manifest: buildManifest(lab),
        only: ['dns'],
      }),
    ).rejects.toThrow('Unknown stack(s) dns; the lab has network, cluster, workloads');
  });
});

describe('destroyLab with remote state', () => {
  it('asks terraform for the state and skips stacks holding only data sources', async () => {
    stateOf = {
      workloads: ['data.terraform_remote_state.cluster'],
      cluster: ['aws_eks_cluster.lab', 'module.eks.data.aws_iam_policy_document.x'],
    };
    const summary = await destroyLab({
      stacks: STACKS,
      terraform: runner,
      store: new MemoryStore(),
      lab: lab.id,
    });
    expect(summary.stacks.map((s) => `${s.id} ${s.outcome}`)).toEqual([
      'workloads skipped',
      'cluster destroyed',
      'network skipped',
    ]);
    expect(calls.filter((c) => c.startsWith('destroy'))).toEqual(['destroy cluster']);
  });

  it('runs terraform init once per stack: the state check leaves a remote stack initialized for its destroy', async () => {
    stateOf = { cluster: ['aws_eks_cluster.lab'] };
    await destroyLab({ stacks: STACKS, terraform: runner, store: new MemoryStore(), lab: lab.id });
    expect(calls.filter((c) => c.endsWith(' cluster'))).toEqual([
      'init cluster',
      'state list cluster',
      'destroy cluster',
    ]);
  });

  it('stops at the first failed stack and keeps the manifest, marked failed, for a retry', async () => {
    stateOf = {
      workloads: ['kubernetes_namespace.lab'],
      cluster: ['aws_eks_cluster.lab'],
      network: ['aws_vpc.lab'],
    };
    failDestroyOf = 'cluster';
    const store = new MemoryStore();
    await store.write(buildManifest(lab));

    const error = await destroyLab({ stacks: STACKS, terraform: runner, store, lab: lab.id }).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(StackError);
    expect(error).toMatchObject({ stackId: 'cluster', operation: 'destroy' });
    expect(calls).not.toContain('destroy network');
    expect(store.saved.get(lab.id)?.stacks).toMatchObject({
      workloads: { status: 'destroyed' },
      cluster: { status: 'failed' },
    });
  });
});

it('tells managed resources from data sources, inside modules too', () => {
  expect(isManagedAddress('aws_vpc.lab')).toBe(true);
  expect(isManagedAddress('module.data.aws_vpc.lab')).toBe(true);
  expect(isManagedAddress('data.aws_ami.al2023')).toBe(false);
  expect(isManagedAddress('module.eks["a"].data.aws_caller_identity.x')).toBe(false);
});

describe('destroy hooks', () => {
  it('runs beforeDestroy for each stack with state, before that stack is destroyed, and skips it for stateless ones', async () => {
    stateOf = { network: ['aws_vpc.main'], workloads: ['helm_release.operator'] };
    await destroyLab({
      stacks: STACKS,
      terraform: runner,
      store: new MemoryStore(),
      lab: lab.id,
      beforeDestroy: async (stackId) => void calls.push(`hook ${stackId}`),
    });
    const order = calls.filter((c) => c.startsWith('hook') || c.startsWith('destroy'));
    expect(order).toEqual(['hook workloads', 'destroy workloads', 'hook network', 'destroy network']);
  });
});

describe('interruptions', () => {
  // What a TerraformCli does when the stop fires mid-run: the command ends with an InterruptedError.
  const stoppedBy = (interruption: InterruptionController, dir: string) => {
    interruption.interrupt('SIGINT');
    return new InterruptedError('SIGINT', `during terraform in ${dir}`);
  };
  const identity = () => ({ who: 'runner@here', stateLockIdOf: (stack: string) => `lock-of-${stack}` });

  it('apply: the stack running is recorded interrupted with its lock id, the lab names it, and nothing new starts', async () => {
    const interruption = new InterruptionController();
    const store = new MemoryStore();
    const events: LabProgressEvent[] = [];
    const error = await deployLab({
      stacks: STACKS,
      terraform: {
        ...runner,
        apply: async (dir) => {
          calls.push(`apply ${stackOf(dir)}`);
          if (stackOf(dir) === 'cluster') throw stoppedBy(interruption, dir);
          return { add: 1, change: 0, remove: 0 };
        },
      },
      store,
      manifest: buildManifest(lab),
      interruption,
      runIdentity: identity,
      onProgress: (event) => events.push(event),
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InterruptedError);
    expect(String(error)).toMatch(/interrupted by SIGINT during the apply of stack 'cluster'/);
    expect(calls.filter((c) => c.startsWith('apply'))).toEqual(['apply network', 'apply cluster']);
    const manifest = store.saved.get(lab.id);
    expect(manifest?.stacks).toMatchObject({
      network: { status: 'applied' },
      cluster: { status: 'interrupted', stateLockId: 'lock-of-cluster' },
    });
    expect(manifest?.stacks['workloads']).toBeUndefined();
    expect(manifest?.interrupted).toMatchObject({
      signal: 'SIGINT',
      operation: 'apply',
      stack: 'cluster',
      who: 'runner@here',
    });
    expect(events.filter((e) => e.kind === 'stack_failed')).toEqual([
      expect.objectContaining({ stack: 'cluster', message: "apply of 'cluster' interrupted by SIGINT" }),
    ]);
  });

  it('apply: a stop between two stacks records the lab alone, before the next stack starts', async () => {
    const interruption = new InterruptionController();
    const store = new MemoryStore();
    const error = await deployLab({
      stacks: STACKS,
      terraform: {
        ...runner,
        // network's apply completes, then the stop comes: cluster must not start.
        output: async (dir) => (
          stackOf(dir) === 'network' && interruption.interrupt('SIGTERM'),
          new TerraformOutputs({})
        ),
      },
      store,
      manifest: buildManifest(lab),
      interruption,
      runIdentity: identity,
    }).catch((e: unknown) => e);

    expect(String(error)).toMatch(/interrupted by SIGTERM before the next stack's apply/);
    expect(calls.filter((c) => c.startsWith('apply'))).toEqual(['apply network']);
    const manifest = store.saved.get(lab.id);
    expect(manifest?.stacks['network']?.status).toBe('applied');
    expect(manifest?.stacks['cluster']).toBeUndefined();
    expect(manifest?.interrupted).toEqual({
      at: expect.any(String),
      signal: 'SIGTERM',
      operation: 'apply',
      who: 'runner@here',
    });
  });

  it('apply: a wait the stop ends records the lab interrupted too', async () => {
    const interruption = new InterruptionController();
    const store = new MemoryStore();
    const error = await deployLab({
      stacks: STACKS,
      terraform: runner,
      store,
      manifest: buildManifest(lab),
      interruption,
      waits: [
        {
          id: 'router',
          after: ['network'],
          before: ['cluster'],
          run: async () => {
            interruption.interrupt('SIGINT');
            throw new InterruptedError('SIGINT', 'while waiting for the router');
          },
        },
      ],
    }).catch((e: unknown) => e);

    expect(String(error)).toMatch(/interrupted by SIGINT before the next stack's apply/);
    expect(calls.filter((c) => c.startsWith('apply'))).toEqual(['apply network']);
    expect(store.saved.get(lab.id)?.interrupted).toMatchObject({ signal: 'SIGINT', operation: 'apply' });
  });

  it('destroy: the stack running is recorded interrupted, the lab and its manifest are kept, nothing new starts', async () => {
    stateOf = { workloads: ['helm_release.x'], cluster: ['aws_eks_cluster.lab'], network: ['aws_vpc.lab'] };
    const interruption = new InterruptionController();
    const store = new MemoryStore();
    await store.write(buildManifest(lab));
    const events: LabProgressEvent[] = [];
    const error = await destroyLab({
      stacks: STACKS,
      terraform: {
        ...runner,
        destroy: async (dir) => {
          calls.push(`destroy ${stackOf(dir)}`);
          if (stackOf(dir) === 'cluster') throw stoppedBy(interruption, dir);
          return { add: 0, change: 0, remove: 1 };
        },
      },
      store,
      lab: lab.id,
      interruption,
      runIdentity: identity,
      onProgress: (event) => events.push(event),
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InterruptedError);
    expect(String(error)).toMatch(/interrupted by SIGINT during the destroy of stack 'cluster'/);
    expect(calls.filter((c) => c.startsWith('destroy'))).toEqual(['destroy workloads', 'destroy cluster']);
    const manifest = store.saved.get(lab.id);
    expect(manifest?.stacks).toMatchObject({
      workloads: { status: 'destroyed' },
      cluster: { status: 'interrupted', stateLockId: 'lock-of-cluster' },
    });
    expect(manifest?.interrupted).toMatchObject({ signal: 'SIGINT', operation: 'destroy', stack: 'cluster' });
    expect(events.filter((e) => e.kind === 'stack_failed')).toEqual([
      expect.objectContaining({ stack: 'cluster', message: "destroy of 'cluster' interrupted by SIGINT" }),
    ]);
  });

  it('destroy: a stop between two stacks records the lab alone, before the next stack starts', async () => {
    stateOf = { workloads: ['helm_release.x'], cluster: ['aws_eks_cluster.lab'] };
    const interruption = new InterruptionController();
    const store = new MemoryStore();
    await store.write(buildManifest(lab));
    const error = await destroyLab({
      stacks: STACKS,
      terraform: {
        ...runner,
        destroy: async (dir) => {
          calls.push(`destroy ${stackOf(dir)}`);
          interruption.interrupt('SIGINT');
          return { add: 0, change: 0, remove: 1 };
        },
      },
      store,
      lab: lab.id,
      interruption,
    }).catch((e: unknown) => e);

    expect(String(error)).toMatch(/interrupted by SIGINT before the next stack's destroy/);
    expect(calls.filter((c) => c.startsWith('destroy') || c.startsWith('state'))).toEqual([
      'state list workloads',
      'destroy workloads',
    ]);
    const manifest = store.saved.get(lab.id);
    expect(manifest?.stacks['workloads']?.status).toBe('destroyed');
    expect(manifest?.interrupted).toMatchObject({ signal: 'SIGINT', operation: 'destroy' });
    expect(manifest?.interrupted?.stack).toBeUndefined();
  });

  it('concurrent stacks stopped together: each is recorded interrupted, the first one names the interruption', async () => {
    const interruption = new InterruptionController();
    const store = new MemoryStore();
    let release!: () => void;
    const bothRunning = new Promise<void>((resolve) => (release = resolve));
    let markStopped!: () => void;
    const aStopped = new Promise<void>((resolve) => (markStopped = resolve));
    let running = 0;
    const error = await deployLab({
      stacks: [remote('a'), remote('b')],
      terraform: {
        ...runner,
        apply: async (dir) => {
          if (++running === 2) release();
          await bothRunning;
          // b is stopped once a's interruption is on its way to the manifest.
          if (stackOf(dir) === 'b') await aStopped;
          throw stoppedBy(interruption, dir);
        },
      },
      store,
      manifest: buildManifest(lab),
      interruption,
      onProgress: (event) => {
        if (event.kind === 'stack_failed' && event.stack === 'a') markStopped();
      },
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InterruptedError);
    const manifest = store.saved.get(lab.id);
    expect(manifest?.stacks).toMatchObject({ a: { status: 'interrupted' }, b: { status: 'interrupted' } });
    expect(manifest?.interrupted?.stack).toBe('a');
  });
});
