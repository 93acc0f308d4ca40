// Synthesis into per-stack working directories, their order, and the absolute-state-path rule.
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { DataResource, LocalBackend, TerraformStack } from 'cdktf';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyOrder, destroyOrder, synthesize, type SynthesizedStack } from '../../src/engine/synth.ts';
import { resolveLab } from '../../src/lab/config.ts';
import { configureBackend } from '../../infra/stacks/lab-stack.ts';
import { localLab, tempDir, twoStackApp } from './fixtures/stack-apps.ts';

let work: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  work = await tempDir('synth');
});
afterEach(async () => work.remove());

const stack = (id: string, dependencies: string[] = []): SynthesizedStack => ({
  id,
  workingDirectory: `/out/stacks/${id}`,
  dependencies,
  backend: { kind: 'local', path: `/state/${id}.tfstate` },
});

describe('synthesize', () => {
  it('returns each stack with an absolute working dir, its dependencies and its local state path', () => {
    const lab = localLab(work.path);
    const { stacks } = synthesize(twoStackApp(lab), join(work.path, 'not-yet', 'out'));

    expect(stacks.map((s) => [s.id, s.dependencies])).toEqual([
      ['a', []],
      ['b', ['a']],
    ]);
    for (const s of stacks) {
      expect(isAbsolute(s.workingDirectory)).toBe(true);
      expect(existsSync(join(s.workingDirectory, 'cdk.tf.json'))).toBe(true);
      expect(s.backend).toEqual({ kind: 'local', path: join(work.path, 'state', lab.id, `${s.id}.tfstate`) });
    }
  });

  it('orders stacks by dependency even when the dependent one is declared first', () => {
    const { stacks } = synthesize(
      (app) => {
        const late = new TerraformStack(app, 'late');
        new LocalBackend(late, { path: join(work.path, 'late.tfstate') });
        new DataResource(late, 'x');
        const early = new TerraformStack(app, 'early');
        new LocalBackend(early, { path: join(work.path, 'early.tfstate') });
        new DataResource(early, 'y');
        late.addDependency(early);
      },
      join(work.path, 'out'),
    );
    expect(stacks.map((s) => s.id)).toEqual(['early', 'late']);
  });

  it("reports an S3 backend as remote, with the bucket and key its state (and terraform's lock beside it) live at", () => {
    const lab = resolveLab({ lab: 'remote', stateBucket: 'tslab-state' });
    const { stacks } = synthesize(
      (app) => {
        const network = new TerraformStack(app, 'network');
        configureBackend(network, lab, 'network');
        new DataResource(network, 'x');
      },
      join(work.path, 'out'),
    );
    expect(stacks[0]?.backend).toEqual({
      kind: 'remote',
      type: 's3',
      bucket: 'tslab-state',
      key: 'tslab/remote/network.tfstate',
    });
  });

  it('refuses a relative local state path, which terraform would resolve inside each stack dir', () => {
    const build = (app: ConstructorParameters<typeof TerraformStack>[0]): void => {
      const network = new TerraformStack(app, 'network');
      new LocalBackend(network, { path: '.tslab/state/demo/network.tfstate' });
      new DataResource(network, 'x');
    };
    expect(() => synthesize(build, join(work.path, 'out'))).toThrow(
      /Stack 'network' keeps its local state at the relative path '\.tslab\/state\/demo\/network\.tfstate'/,
    );
  });
});

describe('apply and destroy order', () => {
  it('puts every stack after its dependencies and keeps the given order otherwise', () => {
    const stacks = [
      stack('workloads', ['cluster', 'client']),
      stack('client', ['network']),
      stack('network'),
      stack('cluster', ['network']),
    ];
    expect(applyOrder(stacks).map((s) => s.id)).toEqual(['network', 'client', 'cluster', 'workloads']);
    expect(destroyOrder(stacks).map((s) => s.id)).toEqual(['workloads', 'cluster', 'client', 'network']);
  });

  it('names the stacks of a dependency cycle', () => {
    expect(() => applyOrder([stack('a', ['b']), stack('b', ['a']), stack('c')])).toThrow(/cycle: a, b/);
  });

  it('names a dependency that was not synthesized', () => {
    expect(() => applyOrder([stack('cluster', ['network'])])).toThrow(/'cluster' depends on 'network'/);
  });
});
