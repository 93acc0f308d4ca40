// A lab's home decides once where the lab lives; what depends on that place (the state paths terraform sees, the
// directory its stacks are synthesized into, the records and the lock) follows it, with the real terraform binary.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deployLab, destroyLab } from '../../src/engine/lifecycle.ts';
import { buildManifest } from '../../src/engine/manifest.ts';
import { synthesize } from '../../src/engine/synth.ts';
import { TerraformCli } from '../../src/engine/terraform.ts';
import { absolute, LabHome } from '../../src/home/lab-home.ts';
import { resolveLab, type LabConfig } from '../../src/lab/config.ts';
import { localLab, tempDir, twoStackApp } from '../engine/fixtures/stack-apps.ts';

let work: Awaited<ReturnType<typeof tempDir>> | undefined;
afterEach(async () => work?.remove());

const synthTwoStacks = (lab: LabConfig, outdir: string) => synthesize(twoStackApp(lab), outdir);

/** A whole provision and teardown of the lab in its home: what the local target's operations do. */
async function provisionAndTeardown(home: LabHome): Promise<string[]> {
  const applied = await home.run('provision', {}, async (run) =>
    deployLab({
      stacks: await run.synthesize(synthTwoStacks),
      terraform: run.terraform(),
      store: run.store,
      manifest: buildManifest(run.lab),
    }),
  );
  await home.run('teardown', {}, async (run) =>
    destroyLab({
      stacks: await run.restore(),
      terraform: run.terraform(),
      store: run.store,
      lab: run.lab.id,
    }),
  );
  return applied.stacks.map((stack) => stack.id);
}

describe('where a lab lives', () => {
  it('makes a relative local state dir absolute, against the given directory', () => {
    const lab = resolveLab({ lab: 'demo', target: 'local' });
    expect(lab.state).toEqual({ kind: 'local', dir: '.tslab/state/demo' });
    expect(absolute(lab, '/home/me/tslab').state).toEqual({
      kind: 'local',
      dir: '/home/me/tslab/.tslab/state/demo',
    });
    expect(LabHome.of(lab, { outdir: 'synth' }).lab.state).toEqual({
      kind: 'local',
      dir: join(process.cwd(), '.tslab/state/demo'),
    });
  });

  it('leaves S3 state alone, and tells where it is: region and the flags that point tslab at it again', () => {
    const lab = resolveLab({
      lab: 'demo',
      stateBucket: 'tslab-state',
      region: 'eu-west-1',
      stateRegion: 'us-east-1',
    });
    expect(absolute(lab, '/anywhere')).toBe(lab);
    const home = LabHome.of(lab, { outdir: 'synth' });
    expect(home.stateRegion).toBe('us-east-1');
    expect(home.stateBucket).toBe('tslab-state');
    expect(home.locationFlags).toBe(
      ' --region eu-west-1 --state-bucket tslab-state --state-region us-east-1',
    );
    expect(LabHome.of(resolveLab({ lab: 'demo', target: 'local' }), { outdir: 'synth' }).locationFlags).toBe(
      '',
    );
    expect(home.description).toBe('state bucket tslab-state (us-east-1)');
    expect(home.teardownCommand).toBe(
      'tslab teardown --target aws --lab demo --region eu-west-1 --state-bucket tslab-state --state-region us-east-1',
    );
  });

  it('synthesizes a lab into a directory of its own per state location', () => {
    const at = (root: string) => LabHome.of(localLab(root, 'moving'), { outdir: '/synth' }).stacksDir;
    const inBucket = (bucket: string) =>
      LabHome.of(resolveLab({ lab: 'moving', stateBucket: bucket }), { outdir: '/synth' }).stacksDir;
    expect(at('/runner/a')).toBe(at('/runner/a'));
    expect(at('/runner/a')).not.toBe(at('/runner/b'));
    expect(inBucket('one')).not.toBe(inBucket('two'));
    expect(at('/runner/a')).toMatch(/^\/synth\/moving-[0-9a-f]{8}$/);
  });
});

describe('the same lab, provisioned again with its state somewhere else', () => {
  it('is refused by terraform when it reuses the stack directory: the backend changed under it', async () => {
    work = await tempDir('home-rule');
    const terraform = new TerraformCli();
    const dir = join(work.path, 'synth');
    const first = synthTwoStacks(localLab(join(work.path, 'runner-a'), 'moving'), dir).stacks[0]!;
    await terraform.init(first.workingDirectory);
    const second = synthTwoStacks(localLab(join(work.path, 'runner-b'), 'moving'), dir).stacks[0]!;
    expect(second.workingDirectory).toBe(first.workingDirectory);
    await expect(terraform.init(second.workingDirectory)).rejects.toThrow(/Backend configuration changed/);
  }, 60_000);

  it('provisions and tears down in its own home: each state location has its own stacks', async () => {
    work = await tempDir('home-moves');
    const outdir = join(work.path, 'synth');
    const first = LabHome.of(localLab(join(work.path, 'runner-a'), 'moving'), { outdir });
    const second = LabHome.of(localLab(join(work.path, 'runner-b'), 'moving'), { outdir });
    expect(await provisionAndTeardown(first)).toEqual(['a', 'b']);
    expect(await provisionAndTeardown(second)).toEqual(['a', 'b']);
    expect(await second.store.read('moving')).toBeUndefined();
  }, 120_000);
});
