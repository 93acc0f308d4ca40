// Lifecycle decisions that need no real terraform: stack selection, remote-state probing, failed destroys.
import { beforeEach, describe, expect, it } from 'vitest';
import { deployLab, destroyLab, StackError } from '../../src/engine/lifecycle.ts';
import { isManagedAddress } from '../../src/engine/local-state.ts';
import {
  buildManifest,
  withStackStatus,
  type LabManifest,
  type ManifestStore,
} from '../../src/engine/manifest.ts';
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
