// Promise 1 on the local lab: `tslab provision` killed (SIGKILL to its whole process group, as a cancelled job's runner
// does) at random points, then `tslab teardown` from the lab id alone leaves no namespace, no process, no WireGuard socket
// and no state; a second down has nothing to do. Needs root, terraform and the lab's packages.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { Figures } from './support/figures.ts';
import { requires } from '../support/requires.ts';
import { localRemains, NOTHING_LOCAL, STATE_ROOT } from './support/local-lab.ts';

const figures = new Figures('killed local up leaves nothing');
const suffix = Math.random().toString(36).slice(2, 6);
afterAll(async () => {
  // The CLI's synthesized stacks of these labs: build output, not lab state, but not worth keeping either.
  for (let i = 0; i < 4; i++) {
    for (const dir of [`k${i}${suffix}`, `k${i}${suffix}-restored`]) {
      await rm(join('.tslab/synth', dir), { recursive: true, force: true });
    }
  }
  figures.print();
});

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await main(args, { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  return { code, out: lines.join('\n') };
}

/** What `up` had got to when it was killed. */
function phase(id: string): string {
  const manifest = join(STATE_ROOT, id, 'manifest.json');
  const status = existsSync(manifest)
    ? ((JSON.parse(readFileSync(manifest, 'utf8')) as { stacks: Record<string, { status: string }> }).stacks[
        'local'
      ]?.status ?? 'recorded')
    : 'nothing recorded';
  return `${status}, ${localRemains(id).namespaces.length} namespaces`;
}

/** A moment to kill `up` at: once `ready` holds, after a random extra delay. */
interface KillPoint {
  name: string;
  ready: (id: string) => boolean;
  jitterMs: number;
}

const hasManifest = (id: string) => existsSync(join(STATE_ROOT, id, 'manifest.json'));
const namespaces = (id: string) => localRemains(id).namespaces.length;
const random = (from: number, to: number) => Math.round(from + Math.random() * (to - from));

/** Starts `tslab provision` in its own process group and kills the whole group at the point. */
async function killUp(id: string, point: KillPoint): Promise<string> {
  const child = spawn(process.execPath, ['bin/tslab.js', 'provision', '--target', 'local', '--lab', id], {
    detached: true,
    stdio: 'ignore',
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve();
    }),
  );
  const deadline = Date.now() + 30_000;
  while (exitCode === undefined && !point.ready(id) && Date.now() < deadline) await sleep(20);
  await sleep(point.jitterMs);
  if (exitCode !== undefined) return `up finished before the kill (exit ${exitCode})`;
  const at = phase(id);
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
  return at;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** From before anything is recorded to the end of the apply, each at a random moment of its phase. */
function killPoints(): KillPoint[] {
  const some = random(1, 7);
  return [
    { name: 'while synthesizing', ready: () => true, jitterMs: random(200, 900) },
    { name: 'once recorded (init, first pieces)', ready: hasManifest, jitterMs: random(0, 400) },
    {
      name: `once ${some} namespaces exist`,
      ready: (id) => namespaces(id) >= some,
      jitterMs: random(0, 100),
    },
    { name: 'once every namespace exists', ready: (id) => namespaces(id) >= 8, jitterMs: random(0, 150) },
  ];
}

requires('local-lab').describe('a killed local up', () => {
  it('leaves nothing once down has run, wherever it was killed; a second down has nothing to do', async () => {
    const points = killPoints();
    const outcomes: string[] = [];
    const killAndClean = async (index: number) => {
      const id = `k${index}${suffix}`;
      const point = points[index]!;
      const at = await killUp(id, point);
      outcomes.push(`${point.name} +${point.jitterMs} ms: ${at}`);
      const down = await cli(['teardown', '--target', 'local', '--lab', id]);
      expect(down.code, down.out).toBe(0);
      expect(localRemains(id), `${id} killed ${point.name} (${at})`).toEqual(NOTHING_LOCAL);
      expect((await cli(['teardown', '--target', 'local', '--lab', id])).out).toContain(
        'nothing to tear down',
      );
      figures.add('kills');
      figures.add('kills left clean');
    };
    // Two labs at a time: the machine has two cores.
    await Promise.all([killAndClean(0), killAndClean(2)]);
    await Promise.all([killAndClean(1), killAndClean(3)]);
    console.log(`[reliability] kill points: ${outcomes.join('; ')}`);
  }, 90_000);
});
