// A PR lab lives its ttl past its last push, not past its first: a push provisions the lab again, which moves the
// expiry the sweep reads (the manifest's; every resource keeps the tag it was built with, so nothing re-applies for
// it). The sweep decides from a list read before any lock; holding the lab's lock it asks again, so it never removes
// a lab a push kept meanwhile. A lab whose manifest is gone still goes by its tag.
import { afterEach, describe, expect, it } from 'vitest';
import { S3LabStore } from '../../src/engine/lab-stores.ts';
import { effectiveExpiry, type LabManifest } from '../../src/engine/manifest.ts';
import { TAG_KEYS } from '../../src/lab/config.ts';
import { sweepExpiredLabs } from '../../src/sweep/sweep-labs.ts';
import { BUCKET } from './support/cloud-model.ts';
import { LabWorld } from './support/lab-world.ts';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
let world: LabWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** A PR lab built 30 hours ago with a day to live: past its built expiry now. */
async function oldPrLab(w: LabWorld) {
  const lab = w.lab('pr-21', { slot: 21, createdAt: iso(Date.now() - 30 * HOUR), ttlHours: 24 });
  await w.provision(lab);
  return lab;
}

const store = (w: LabWorld) => new S3LabStore(w.aws.clients.s3, BUCKET);
const sweepNow = (w: LabWorld, overrides: Partial<Parameters<typeof sweepExpiredLabs>[0]> = {}) =>
  sweepExpiredLabs({
    ...w.sweepDeps(),
    dryRun: false,
    now: new Date(),
    tailscale: w.tailscale,
    env: {},
    ...overrides,
  });

describe('the expiry of a lab that is provisioned again', () => {
  it('moves to a ttl after the push, in the manifest only: the resources keep their tag', async () => {
    world = await LabWorld.start();
    const w = world;
    const lab = await oldPrLab(w);
    const before = (await store(w).read(lab.id))!;
    expect(before.extendedTo).toBeUndefined();
    expect(Date.parse(effectiveExpiry(before))).toBeLessThan(Date.now());

    const pushedAt = Date.now();
    await w.provision(lab);
    const after = (await store(w).read(lab.id))!;
    expect(after.expiresAt).toBe(before.expiresAt);
    expect(Date.parse(after.extendedTo!)).toBeGreaterThanOrEqual(pushedAt + 24 * HOUR);
    const tags = w.model
      .all()
      .filter((r) => r.tags[TAG_KEYS.lab] === lab.id)
      .map((r) => r.tags[TAG_KEYS.expiresAt]);
    expect(tags.length).toBeGreaterThan(0);
    expect(new Set(tags)).toEqual(new Set([before.expiresAt]));

    // Its tags say expired; its manifest says a push kept it: the sweep leaves it.
    const { outcomes } = await sweepNow(w);
    expect(outcomes).toEqual([]);
    expect(w.leftOf(lab.id).resources.length).toBeGreaterThan(0);
  });

  it('is asked again under the lock: a push between the sweep’s list and its teardown keeps the lab', async () => {
    world = await LabWorld.start();
    const w = world;
    const lab = await oldPrLab(w);
    // What the sweep listed, before the push.
    const stale = await store(w).list();
    await w.provision(lab);
    const listedBeforeThePush = store(w);
    listedBeforeThePush.list = async (): Promise<LabManifest[]> => stale;
    const { outcomes } = await sweepNow(w, { store: listedBeforeThePush });
    expect(outcomes.map((o) => [o.lab, o.result])).toEqual([[lab.id, 'kept']]);
    expect(outcomes[0]!.detail).toMatch(/^provisioned again since: it now expires /);
    expect(w.leftOf(lab.id).resources.length).toBeGreaterThan(0);
  });

  it('without a push, the lab goes at its expiry; with its manifest gone, its tag still says when', async () => {
    world = await LabWorld.start();
    const w = world;
    const lab = await oldPrLab(w);
    const other = w.lab('pr-22', { slot: 22, createdAt: iso(Date.now() - 30 * HOUR), ttlHours: 24 });
    await w.provision(other);
    w.model.objects.delete(S3LabStore.key(other.id));

    const { outcomes } = await sweepNow(w);
    expect(outcomes.map((o) => [o.lab, o.result]).sort()).toEqual([
      [lab.id, 'removed'],
      [other.id, 'removed'],
    ]);
    expect(w.leftOf(lab.id).resources).toEqual([]);
    expect(w.leftOf(other.id).resources).toEqual([]);
  });
});
