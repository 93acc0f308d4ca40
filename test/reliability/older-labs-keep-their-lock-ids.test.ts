// A lab provisioned by an older tslab recorded its stacks without the backend's bucket and key. Its teardown must
// still find terraform's lock object (<keyPrefix>/<stack>.tfstate.tflock in the lab's bucket) and record the lock's
// id when it is cut short: without that id no later run may remove the lock, and a person would have to.
import { afterEach, expect, it } from 'vitest';
import { InterruptionController } from '../../src/engine/interruption.ts';
import { S3LabStore } from '../../src/engine/lab-stores.ts';
import type { StackBundle } from '../../src/engine/stack-bundle.ts';
import { LabHome } from '../../src/home/lab-home.ts';
import { teardownAwsLab } from '../../src/targets/aws/teardown.ts';
import { BUCKET } from './support/cloud-model.ts';
import { ModelTerraform } from './support/fake-terraform.ts';
import { LabWorld } from './support/lab-world.ts';

let world: LabWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

it("records terraform's lock id for stacks recorded without a bucket and key, as the lock's own key", async () => {
  world = await LabWorld.start();
  const w = world;
  const lab = w.lab('older');
  await w.provision(lab);
  // What an older tslab wrote: remote backends with no bucket and key.
  const key = S3LabStore.stacksKey(lab.id);
  const bundle = JSON.parse(w.model.objects.get(key)!) as StackBundle;
  for (const stack of bundle.stacks) {
    if (stack.backend.kind === 'remote') {
      delete stack.backend.bucket;
      delete stack.backend.key;
    }
  }
  w.model.objects.set(key, JSON.stringify(bundle));

  // The teardown's terraform cannot stop in time in the cluster's destroy: killed at the hurry, its lock left.
  const controller = new InterruptionController();
  const terraform = new ModelTerraform(w.model, w, { host: 'fv-az-older' });
  terraform.interruption = controller;
  terraform.stopsInTime = false;
  terraform.hurryKills = 'terraform';
  const home = LabHome.of(lab, {
    ...w.homeOptions(),
    terraform,
    lock: { host: 'fv-az-older', stateLockPollMs: 1 },
  });
  await teardownAwsLab(home, w.services(), {
    ...w.io(),
    interruption: controller,
    onProgress: (event) => {
      if (event.kind !== 'terraform' || event.stack !== 'cluster' || event.event.type !== 'apply_complete')
        return;
      controller.interrupt(event.event.done === 1 ? 'SIGINT' : 'SIGTERM');
    },
  }).catch(() => undefined);

  const taken = terraform.locksTaken.find((l) => l.stack === 'cluster' && l.operation === 'destroy');
  expect(taken, 'the teardown reached the cluster').toBeDefined();
  expect(terraform.lockOf(lab.id, 'cluster')?.ID).toBe(taken!.id);
  const manifest = await new S3LabStore(w.aws.clients.s3, BUCKET).read(lab.id);
  expect(manifest?.stacks['cluster']).toMatchObject({ status: 'interrupted', stateLockId: taken!.id });
});
