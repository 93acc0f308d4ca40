// A lab provisioned before the NAT and the nodes had stacks of their own (its network stack held the NAT, its cluster
// stack the node group and coredns) is torn down by this version from the stacks it recorded, and leaves nothing. This
// version refuses to provision over it: the lab's recorded stacks and its states stay the older ones until teardown.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deployLab } from '../../src/engine/lifecycle.ts';
import { buildManifest } from '../../src/engine/manifest.ts';
import { synthesize } from '../../src/engine/synth.ts';
import type { LabConfig } from '../../src/lab/config.ts';
import { LabConfigError } from '../../src/lab/errors.ts';
import { AWS_STACKS } from '../../src/lab/stack-contract.ts';
import { LabHome } from '../../src/home/lab-home.ts';
import { LabWorld } from './support/lab-world.ts';
import { addPreviousLayoutStacks, PREVIOUS_STACKS } from './support/previous-layout.ts';

let world: LabWorld;
afterEach(async () => world?.close());

/** What provision did then: record the four stacks, apply them. */
async function provisionPreviousLayout(w: LabWorld, lab: LabConfig) {
  const home = LabHome.of(lab, { ...w.homeOptions(), outdir: join(w.outdir, 'previous') });
  await home.run('provision', {}, async (run) =>
    deployLab({
      stacks: await run.synthesize((l, outdir) =>
        synthesize((app) => addPreviousLayoutStacks(app, l), outdir),
      ),
      terraform: run.terraform(),
      store: run.store,
      manifest: buildManifest(run.lab),
    }),
  );
  return home.store;
}

const resourcesOfType = (w: LabWorld, lab: string, type: string) =>
  w.leftOf(lab).resources.filter((r) => r.startsWith(`${type} `));

describe('a lab made of the previous stacks', () => {
  it('is torn down from the stacks it recorded: the NAT with the network, the nodes with the cluster', async () => {
    world = await LabWorld.start();
    const lab = world.lab('older');
    await provisionPreviousLayout(world, lab);
    for (const type of ['aws_nat_gateway', 'aws_eks_node_group', 'aws_eks_addon', 'aws_instance']) {
      expect(resourcesOfType(world, lab.id, type), type).not.toEqual([]);
    }

    const report = await world.teardown(lab.id);
    expect(report.destroy.stacks.map((s) => [s.id, s.outcome]).sort()).toEqual(
      PREVIOUS_STACKS.map((id) => [id, 'destroyed']).sort(),
    );
    expect(report.remaining).toEqual([]);
    expect(world.leftOf(lab.id)).toEqual({ resources: [], devices: [], splitDns: [], records: [] });
  });

  it('is not provisioned over: the refusal changes nothing, and teardown still leaves nothing', async () => {
    world = await LabWorld.start();
    const lab = world.lab('older');
    const store = await provisionPreviousLayout(world, lab);
    const changes = () =>
      world.terraform.calls.filter((c) => c.command === 'apply' || c.command === 'destroy');
    const before = { changes: changes().length, resources: world.leftOf(lab.id).resources };

    const error = await world.provision(lab).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LabConfigError);
    expect((error as Error).message).toContain(
      `as stacks ${PREVIOUS_STACKS.join(', ')} (this one makes ${AWS_STACKS.join(', ')}): tear it down first`,
    );
    expect({ changes: changes().length, resources: world.leftOf(lab.id).resources }).toEqual(before);
    expect((await store.loadStacks(lab.id))?.stacks.map((s) => s.id)).toEqual(PREVIOUS_STACKS);

    await world.teardown(lab.id);
    expect(world.leftOf(lab.id)).toEqual({ resources: [], devices: [], splitDns: [], records: [] });
    // Once torn down, this version provisions the lab as its own stacks.
    await world.provision(lab);
    expect((await store.loadStacks(lab.id))?.stacks.map((s) => s.id).sort()).toEqual([...AWS_STACKS].sort());
  });
});
