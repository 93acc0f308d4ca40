// Validation of a running lab: all checks, then (where the platform can) a capture of each packet path.
import type { LabConfig } from '../lab/config.ts';
import { CHECKS } from './definitions.ts';
import { curlScript } from './http-response.ts';
import type { LabProbe } from './probe.ts';
import { buildReport } from './report.ts';
import { runChecks, type RunChecksOptions } from './runner.ts';
import type { CheckResult, ValidationReport } from './types.ts';

export interface ValidateOptions extends Partial<RunChecksOptions> {
  /** Only these check ids (and their dependencies). */
  only?: string[];
  capturePackets?: boolean;
}

export async function validateLab(
  lab: LabConfig,
  probe: LabProbe,
  options: ValidateOptions = {},
): Promise<ValidationReport> {
  const startedAt = new Date();
  const selected = selectChecks(options.only);
  const results: CheckResult[] = await runChecks(selected, lab, probe, {
    timeoutMs: options.timeoutMs ?? (probe.platform === 'local' ? 15_000 : 300_000),
    ...options,
  });
  let packetPaths: ValidationReport['packetPaths'];
  if (options.capturePackets !== false && probe.capturePath) {
    const capture = probe.capturePath.bind(probe);
    packetPaths = [
      {
        scenario: 'subnet-router',
        hops: await capture('subnet-router', async () => {
          await probe.runOnClient(curlScript(`http://${lab.workloads.nginxFqdn}/`));
        }),
      },
      {
        scenario: 'egress',
        hops: await capture('egress', async () => {
          await probe.runInCluster(curlScript(`http://${lab.workloads.egressFqdn}/`));
        }),
      },
    ];
  }
  return buildReport(lab, probe.platform, results, startedAt, new Date(), packetPaths);
}

function selectChecks(only: string[] | undefined) {
  if (!only?.length) return CHECKS;
  const unknown = only.filter((id) => !CHECKS.some((c) => c.id === id));
  if (unknown.length) throw new Error(`unknown check id(s): ${unknown.join(', ')}`);
  const wanted = new Set(only);
  for (const check of CHECKS) if (wanted.has(check.id)) for (const d of check.dependsOn ?? []) wanted.add(d);
  return CHECKS.filter((c) => wanted.has(c.id));
}
