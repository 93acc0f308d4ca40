// The local target: the namespace lab on this machine, through the same engine and checks.
import type { LabConfig } from '../../lab/config.ts';
import { timelineOf, type LabTarget } from '../lab-target.ts';
import { downLocalLab, validateLocalLab } from './teardown.ts';
import type { OpenLabOptions } from '../open-lab.ts';

export function localTarget(lab: LabConfig, options: OpenLabOptions): LabTarget {
  return {
    async up(io = {}) {
      if (!options.provisioners) throw new Error('this entry point does not provision labs');
      const result = await options.provisioners.local(lab, { outdir: options.outdir, ...io });
      const addresses = result.outputs['local']?.value('tailnet_addresses') as
        Record<string, string> | undefined;
      return {
        lab,
        outputs: {
          labId: lab.id,
          clusterName: '',
          clientInstanceId: '',
          clientTailnetName: lab.client.hostname,
          clientTailnetIp: String(addresses?.['client'] ?? ''),
          nginxFqdn: lab.workloads.nginxFqdn,
          egressService: `${lab.workloads.namespace}/${lab.workloads.egressServiceName}`,
        },
        stacks: result.stacks,
        timeline: timelineOf(result.startedAtMs, result.stacks, result.waits),
      };
    },
    validate(validateOptions = {}) {
      return validateLocalLab(lab, validateOptions);
    },
    async down(io = {}) {
      const result = await downLocalLab(lab, { outdir: options.outdir, ...io });
      return {
        removed: [
          ...result.stacks.filter((s) => s.outcome === 'destroyed').map((s) => `stack ${s.id}`),
          ...result.swept.map((n) => `namespace ${n}`),
        ],
        warnings: [],
        remaining: [],
        timeline: timelineOf(result.startedAtMs, result.stacks),
      };
    },
  };
}
