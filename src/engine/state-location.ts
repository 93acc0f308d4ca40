// Makes a lab's local state dir absolute before synth. LabConfig defaults it to the relative '.tslab/state/<lab>',
// but terraform resolves a relative backend path from each stack's working directory (inside the synth output), so
// state would be scattered per stack, lost with the output dir, and invisible to cross-stack reads.
import { resolve } from 'node:path';
import type { LabConfig } from '../lab/config.ts';

/** The same lab with its local state dir resolved against `cwd`; S3 state is returned unchanged. */
export function withAbsoluteStateDir(lab: LabConfig, cwd: string = process.cwd()): LabConfig {
  if (lab.state.kind !== 'local') return lab;
  return { ...lab, state: { kind: 'local', dir: resolve(cwd, lab.state.dir) } };
}
