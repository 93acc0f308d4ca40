// How far an AWS provision wanders before terraform first runs: driven through openLab and the target as the
// provision action does, against the test world's fakes, with V8's precise coverage counting which functions ran
// between openLab and the first `terraform init`. Prints the modules of src/ and infra/ entered and their folders.
import { Session } from 'node:inspector/promises';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLab } from '../src/targets/open-lab.ts';
import { PROVISIONERS } from '../src/targets/provisioners.ts';
import type { TerraformRunner } from '../src/engine/terraform.ts';
import { LabWorld } from '../test/reliability/support/lab-world.ts';
import { BUCKET, REGION } from '../test/reliability/support/cloud-model.ts';

class FirstInit extends Error {}

interface ScriptCoverage {
  url: string;
  functions: { functionName: string; ranges: { startOffset: number; count: number }[] }[];
}

/** Runs twice: the first run loads every module, so the measured one counts calls, not module loading. */
export async function provisionPath(): Promise<{ modules: string[]; folders: string[] }> {
  await provisionOnce();
  return provisionOnce();
}

async function provisionOnce(): Promise<{ modules: string[]; folders: string[] }> {
  const world = await LabWorld.start();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });
  let entered: ScriptCoverage[] = [];
  const real = world.dependencies().terraform!;
  const terraform: TerraformRunner = Object.assign(Object.create(real) as TerraformRunner, {
    init: async () => {
      entered = ((await session.post('Profiler.takePreciseCoverage')) as { result: ScriptCoverage[] }).result;
      throw new FirstInit();
    },
  });
  try {
    // Counters start from here: what the world's set-up ran is not counted.
    await session.post('Profiler.takePreciseCoverage');
    const { target } = await openLab(
      { lab: 'path', region: REGION, stateBucket: BUCKET },
      {
        credentials: {
          tailscale: { id: 'id', secret: 'secret' },
          operator: { id: 'op', secret: 'op-secret' },
        },
        localStateDir: '.tslab/state',
        outdir: '.tslab/synth-bench',
        provisioners: PROVISIONERS,
        dependencies: { ...world.dependencies(), terraform },
      },
    );
    await target.provision().catch((error: unknown) => {
      if (!(error instanceof FirstInit) && !((error as Error).cause instanceof FirstInit)) throw error;
    });
  } finally {
    session.disconnect();
    await world.close();
  }
  const root = process.cwd();
  const modules = entered
    .filter((script) => script.url.startsWith('file://'))
    // A function other than the module's own top level ran at least once.
    .filter((script) => script.functions.some((f) => f.ranges[0]!.startOffset > 0 && f.ranges[0]!.count > 0))
    .map((script) => relative(root, fileURLToPath(script.url)))
    .filter((file) => /^(src|infra)\//.test(file))
    .sort();
  return { modules, folders: [...new Set(modules.map(dirname))].sort() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { modules, folders } = await provisionPath();
  console.log(modules.join('\n'));
  console.log(`modules of src/ and infra/ entered before the first terraform init: ${modules.length}`);
  console.log(`folders they sit in: ${folders.length} (${folders.join(', ')})`);
}
