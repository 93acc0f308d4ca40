// Synthesizes a full default lab in a fresh process and prints its wall time and peak memory.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveLab } from '../src/lab/config.ts';
import { synthLab } from '../src/targets/synth-lab.ts';

const started = performance.now();
const { stacks } = synthLab(
  resolveLab({ lab: 'bench', stateBucket: 'bench-state' }),
  mkdtempSync(join(tmpdir(), 'tslab-bench-')),
);
console.log(
  `stacks=${stacks.length} synthMs=${Math.round(performance.now() - started)} maxRssKb=${process.resourceUsage().maxRSS}`,
);
