// The local target: the namespace lab on this machine, in its home, through the same engine and checks.
import type { LabHome } from '../../home/lab-home.ts';
import { labResourceName } from '../../lab/names.ts';
import { timelineOf, type LabTarget } from '../lab-target.ts';
import type { Provisioners } from '../provisioners.ts';
import { teardownLocalLab } from './teardown.ts';
import { validateLocalLab } from './validate.ts';

export function localTarget(home: LabHome, options: { provisioners?: Provisioners | undefined }): LabTarget {
  const { lab } = home;
  return {
    async provision(io = {}) {
      if (!options.provisioners) throw new Error('this entry point does not provision labs');
      const result = await options.provisioners.local(home, io);
      const addresses = result.outputs['local']?.value('tailnet_addresses') as
        Record<string, string> | undefined;
      const outputs = {
        labId: lab.id,
        clusterName: '',
        clientInstanceId: '',
        clientTailnetName: lab.client.hostname,
        clientTailnetIp: String(addresses?.['client'] ?? ''),
        nginxFqdn: lab.workloads.nginxFqdn,
        egressService: `${lab.workloads.namespace}/${lab.workloads.egressServiceName}`,
      };
      return {
        lab,
        outputs,
        stacks: result.stacks,
        timeline: timelineOf(result.startedAtMs, result.stacks, result.waits),
        notes: [
          `try  ip netns exec ${labResourceName(lab.id, 'client')} curl -s http://${outputs.nginxFqdn}/`,
        ],
      };
    },
    validate(validateOptions = {}) {
      return validateLocalLab(lab, validateOptions);
    },
    async teardown(io = {}) {
      const result = await teardownLocalLab(home, io);
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
