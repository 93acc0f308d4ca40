// The lab manifest built from a LabConfig, and its local JSON store.
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildManifest, withStackStatus, type LabManifest } from '../../src/engine/manifest.ts';
import { LocalLabStore } from '../../src/engine/lab-stores.ts';
import { resolveLab } from '../../src/lab/config.ts';
import { tempDir } from './fixtures/stack-apps.ts';

const lab = resolveLab({
  lab: 'demo',
  slot: 3,
  region: 'eu-west-1',
  owner: 'alice',
  trigger: 'workflow_dispatch',
  runUrl: 'https://github.com/o/r/actions/runs/1',
  createdAt: '2026-11-27T10:00:00Z',
  ttlHours: 2,
});

describe('buildManifest', () => {
  it('takes identity, routes and lifetime from the LabConfig, with no stack started', () => {
    expect(buildManifest(lab)).toEqual({
      schema: 1,
      lab: 'demo',
      slot: 3,
      region: 'eu-west-1',
      routes: lab.tailnet.ownedRanges,
      azs: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
      kubernetesVersion: '1.36',
      createdAt: '2026-11-27T10:00:00Z',
      expiresAt: '2026-11-27T12:00:00Z',
      owner: 'alice',
      trigger: 'workflow_dispatch',
      runUrl: 'https://github.com/o/r/actions/runs/1',
      stacks: {},
    });
  });

  it('leaves runUrl out when the lab has none', () => {
    expect(buildManifest(resolveLab({ lab: 'demo' }))).not.toHaveProperty('runUrl');
  });

  it('records a stack status with its time and duration without touching the original', () => {
    const original = buildManifest(lab);
    const updated = withStackStatus(original, 'network', 'applied', new Date('2026-11-27T10:05:00Z'), 4_200);
    expect(updated.stacks).toEqual({
      network: { status: 'applied', updatedAt: '2026-11-27T10:05:00.000Z', durationMs: 4_200 },
    });
    expect(original.stacks).toEqual({});
  });
});

describe('LocalLabStore', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let store: LocalLabStore;
  beforeEach(async () => {
    work = await tempDir('manifests');
    store = new LocalLabStore(join(work.path, 'labs'));
  });
  afterEach(async () => work.remove());

  const manifest = (id: string): LabManifest => ({ ...buildManifest(lab), lab: id });

  it('reads back what it wrote, from <dir>/<lab>/manifest.json, leaving no temp file', async () => {
    const written = withStackStatus(manifest('demo'), 'network', 'applying', new Date());
    await store.write(written);
    expect(await store.read('demo')).toEqual(written);
    expect(await readdir(join(work.path, 'labs', 'demo'))).toEqual(['manifest.json']);
  });

  it('returns undefined for a lab without a manifest, also when the store dir does not exist', async () => {
    expect(await store.read('nothing')).toBeUndefined();
    expect(await store.list()).toEqual([]);
  });

  it('lists every lab’s manifest, sorted by lab', async () => {
    await store.write(manifest('zeta'));
    await store.write(manifest('alpha'));
    expect((await store.list()).map((m) => m.lab)).toEqual(['alpha', 'zeta']);
  });

  it('deletes a manifest and its folder, and deleting again is fine', async () => {
    await store.write(manifest('demo'));
    await store.delete('demo');
    await store.delete('demo');
    expect(await store.read('demo')).toBeUndefined();
    expect(existsSync(join(work.path, 'labs', 'demo'))).toBe(false);
  });

  it('names the file and the field of a manifest that is not schema 1', async () => {
    await mkdir(join(work.path, 'labs', 'broken'), { recursive: true });
    const file = join(work.path, 'labs', 'broken', 'manifest.json');
    await writeFile(file, JSON.stringify({ ...manifest('broken'), stacks: { network: { status: 'gone' } } }));
    await expect(store.read('broken')).rejects.toThrow(
      `Lab manifest ${file} is not a schema 1 manifest: stacks.network.status`,
    );
  });

  it('refuses lab ids that could escape the store folder, reading or writing, and creates nothing', async () => {
    await expect(store.read('../etc')).rejects.toThrow("'../etc' is not a lab id");
    await expect(store.write({ ...manifest('demo'), lab: '../escaped' })).rejects.toThrow(
      "'../escaped' is not a lab id",
    );
    expect(existsSync(join(work.path, 'escaped'))).toBe(false);
  });
});
