// tslab doctor: says precisely what is missing for an AWS lab, before anything is created.
import { resolveLab } from '../../lab/config.ts';
import { fromStrings, type StringLabInput } from '../../lab/string-inputs.ts';
import { doctorDepsFromEnv, runDoctor, type DoctorResult } from '../../doctor/doctor.ts';
import { OperationFailed } from '../exit.ts';

export async function doctorCommand(
  flags: StringLabInput,
  probeAuthKey: boolean,
  io: { out(line: string): void },
): Promise<void> {
  // The lab name (or --lab / --slot) picks the slot whose operator tags are checked; otherwise any valid one does.
  const lab = resolveLab({ lab: 'doctor', ...fromStrings(flags) });
  const results = await runDoctor({ ...doctorDepsFromEnv(lab), probeAuthKey });
  io.out(renderDoctor(results));
  if (results.some((r) => !r.ok)) throw new OperationFailed('the set-up is incomplete (see the fixes above)');
}

/** One line per check, with the fix under each failure; what could not be checked is marked, not passed. */
export function renderDoctor(results: readonly DoctorResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${r.skipped ? 'skip' : r.ok ? 'ok  ' : 'FAIL'} ${r.check.padEnd(24)} ${r.detail}`);
    if (!r.ok && r.fix) lines.push(`     fix: ${r.fix}`);
  }
  const failed = results.filter((r) => !r.ok).length;
  const skipped = results.filter((r) => r.skipped).length;
  const unchecked = skipped ? ` (${skipped} not checked: see skip above)` : '';
  lines.push(
    failed
      ? `${failed} problem(s) to fix before \`tslab provision\`${unchecked}`
      : `ready: nothing missing${unchecked}`,
  );
  return lines.join('\n');
}
