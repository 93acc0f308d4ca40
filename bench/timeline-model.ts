// The timeline model: the real engine (deployLab/destroyLab: the graph scheduler, real manifest writes to disk)
// drives a terraform stand-in whose applies and destroys take, in scaled real time, the critical path of the stack's
// resources under the published timings (bench/aws-timings.ts). Compares the old one-stack-at-a-time schedule with
// the graph, for provision and teardown.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalLabStore } from '../src/engine/lab-stores.ts';
import { deployLab, destroyLab } from '../src/engine/lifecycle.ts';
import { buildManifest } from '../src/engine/manifest.ts';
import type { SynthesizedStack } from '../src/engine/stack-order.ts';
import { TerraformOutputs } from '../src/engine/terraform-outputs.ts';
import type { TerraformRunner } from '../src/engine/terraform.ts';
import { resolveLab, type LabConfig } from '../src/lab/config.ts';
import { synthLab } from '../src/targets/synth-lab.ts';
import { ROUTER_WAIT, ROUTER_WAIT_EDGES } from '../src/targets/aws/provision.ts';
import { CLIENT_JOIN_MINUTES, INIT_MINUTES, timingOf } from './aws-timings.ts';

/** Real milliseconds per modelled minute: long enough that the engine's own work (ms) is noise. */
const MS_PER_MINUTE = 80;
const sleep = (minutes: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, minutes * MS_PER_MINUTE));

interface Resource {
  address: string;
  type: string;
  after: string[];
}

/** The stack's resources and what each waits for inside it (depends_on and references), from its Terraform JSON. */
function resourcesOf(dir: string): Resource[] {
  const json = JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')) as {
    resource?: Record<string, Record<string, Record<string, unknown>>>;
  };
  const all: { address: string; type: string; body: string }[] = [];
  for (const [type, byName] of Object.entries(json.resource ?? {})) {
    for (const [name, body] of Object.entries(byName))
      all.push({ address: `${type}.${name}`, type, body: JSON.stringify(body) });
  }
  return all.map(({ address, type, body }) => ({
    address,
    type,
    after: all
      .filter((other) => other.address !== address && body.includes(other.address))
      .map((o) => o.address),
  }));
}

/** Longest path through the resources (terraform runs up to 10 at once; the lab's stacks never need more). */
function criticalPath(resources: Resource[], duration: (r: Resource) => number, reverse: boolean): number {
  const finish = new Map<string, number>();
  const byAddress = new Map(resources.map((r) => [r.address, r]));
  const waitsFor = (r: Resource) =>
    reverse
      ? resources.filter((other) => other.after.includes(r.address))
      : r.after.map((a) => byAddress.get(a)!);
  const at = (r: Resource): number => {
    const known = finish.get(r.address);
    if (known !== undefined) return known;
    const value = duration(r) + Math.max(0, ...waitsFor(r).map(at));
    finish.set(r.address, value);
    return value;
  };
  return Math.max(0, ...resources.map(at));
}

/** A TerraformRunner whose runs take the modelled time; state is which stacks are applied. */
class ModelledTerraform implements TerraformRunner {
  private readonly applied = new Set<string>();

  async init(): Promise<void> {
    await sleep(INIT_MINUTES);
  }

  async apply(dir: string) {
    const resources = resourcesOf(dir);
    await sleep(criticalPath(resources, (r) => timingOf(r.type).create, false));
    this.applied.add(dir);
    return { add: resources.length, change: 0, remove: 0 };
  }

  async destroy(dir: string) {
    const resources = resourcesOf(dir);
    await sleep(criticalPath(resources, (r) => timingOf(r.type).destroy, true));
    this.applied.delete(dir);
    return { add: 0, change: 0, remove: resources.length };
  }

  async output(): Promise<TerraformOutputs> {
    return TerraformOutputs.fromJson('{}');
  }

  async stateList(dir: string): Promise<string[]> {
    return this.applied.has(dir) ? resourcesOf(dir).map((r) => r.address) : [];
  }
}

export interface ModelResult {
  provisionMinutes: number;
  teardownMinutes: number;
}

async function runOnce(
  lab: LabConfig,
  stacks: SynthesizedStack[],
  concurrency: number | undefined,
): Promise<ModelResult> {
  const work = mkdtempSync(join(tmpdir(), 'tslab-timeline-'));
  try {
    const store = new LocalLabStore(work);
    const terraform = new ModelledTerraform();
    const schedule = concurrency !== undefined ? { concurrency } : {};
    let started = performance.now();
    await deployLab({
      stacks,
      terraform,
      store,
      manifest: buildManifest(lab),
      waits: [{ id: ROUTER_WAIT, ...ROUTER_WAIT_EDGES, run: () => sleep(CLIENT_JOIN_MINUTES) }],
      ...schedule,
    });
    const provisionMinutes = (performance.now() - started) / MS_PER_MINUTE;
    started = performance.now();
    await destroyLab({ stacks, terraform, store, lab: lab.id, ...schedule });
    return { provisionMinutes, teardownMinutes: (performance.now() - started) / MS_PER_MINUTE };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Sequential (one stack at a time, the router wait after every infra stack) and the graph, run in one process. */
export async function timelineModel(): Promise<{ sequential: ModelResult; graph: ModelResult }> {
  const lab = resolveLab({ lab: 'timeline', stateBucket: 'tslab-timeline' });
  const outdir = mkdtempSync(join(tmpdir(), 'tslab-timeline-synth-'));
  try {
    const { stacks } = synthLab(lab, outdir);
    const sequential = await runOnce(lab, stacks, 1);
    const graph = await runOnce(lab, stacks, undefined);
    return { sequential, graph };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
