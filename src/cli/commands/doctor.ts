// tslab doctor: says precisely what is missing for an AWS lab, before anything is created.
import { resolveLab } from '../../lab/config.ts';
import { fromStrings, type StringLabInput } from '../../lab/string-inputs.ts';
import { doctorDepsFromEnv, renderDoctor, runDoctor } from '../../operations/doctor.ts';
import { OperationFailed } from '../main.ts';

export async function doctorCommand(
  flags: StringLabInput,
  probeAuthKey: boolean,
  io: { out(line: string): void },
): Promise<void> {
  // The lab name only shapes the key and tag probes; any valid one does.
  const lab = resolveLab({ lab: 'doctor', ...fromStrings(flags) });
  const results = await runDoctor({ ...doctorDepsFromEnv(lab), probeAuthKey });
  io.out(renderDoctor(results));
  if (results.some((r) => !r.ok)) throw new OperationFailed('the set-up is incomplete (see the fixes above)');
}
