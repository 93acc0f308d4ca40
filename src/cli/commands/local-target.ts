import type { LabConfig } from '../../lab/config.ts';
import { downLocalLab, validateLocalLab } from '../../operations/local-lab.ts';
import { upLocalLab } from '../../operations/local-up.ts';
import { progressPrinter, type LabTarget } from './lab.ts';

const OUTDIR = '.tslab/synth';

export function createTarget(
  lab: LabConfig,
  io: { out(line: string): void },
  checkTimeoutMs?: number,
): LabTarget {
  const onProgress = progressPrinter(io);
  const log = (line: string) => io.out(line);
  return {
    async up() {
      const started = performance.now();
      await upLocalLab(lab, { outdir: OUTDIR, onProgress, log });
      io.out(
        `lab '${lab.id}' is up (local, ${seconds(started)}): try  ip netns exec tslab-${lab.id}-client curl -s http://${lab.workloads.nginxFqdn}/`,
      );
    },
    async validate() {
      return validateLocalLab(lab, checkTimeoutMs ? { timeoutMs: checkTimeoutMs } : {});
    },
    async down() {
      const started = performance.now();
      const result = await downLocalLab(lab, { outdir: OUTDIR, onProgress, log });
      io.out(
        result.nothingToDo
          ? `lab '${lab.id}': nothing to tear down`
          : `lab '${lab.id}' is down (${seconds(started)})`,
      );
    },
  };
}

function seconds(started: number): string {
  return `${((performance.now() - started) / 1000).toFixed(1)} s`;
}
