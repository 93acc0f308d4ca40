import { createAwsClients } from '../../aws/clients.ts';
import type { LabConfig } from '../../lab/config.ts';
import { provisionAwsLab, type AwsRunDeps } from '../../operations/provision-aws.ts';
import { teardownAwsLab } from '../../operations/teardown-aws.ts';
import { validateAwsLab } from '../../operations/validate-aws.ts';
import { WORKLOADS_VARIABLES } from '../../lab/stack-contract.ts';
import { createTailscaleApiClient } from '../../tailscale/api-client.ts';
import { progressPrinter, requireEnv, type LabTarget } from './lab.ts';

export const TAILSCALE_ENV = ['TAILSCALE_OAUTH_CLIENT_ID', 'TAILSCALE_OAUTH_CLIENT_SECRET'] as const;
export const OPERATOR_ENV = Object.values(WORKLOADS_VARIABLES).map((name) => `TF_VAR_${name}`);

export function createTarget(
  lab: LabConfig,
  io: { out(line: string): void },
  checkTimeoutMs?: number,
): LabTarget {
  const deps = (needOperator: boolean): AwsRunDeps => {
    const tailscaleEnv = requireEnv(TAILSCALE_ENV);
    if (needOperator) requireEnv(OPERATOR_ENV);
    return {
      outdir: '.tslab/synth',
      env: process.env,
      tailscale: createTailscaleApiClient({
        clientId: tailscaleEnv['TAILSCALE_OAUTH_CLIENT_ID']!,
        clientSecret: tailscaleEnv['TAILSCALE_OAUTH_CLIENT_SECRET']!,
        tailnet: lab.tailnet.name,
      }),
      aws: createAwsClients(lab.region, lab.state.kind === 's3' ? lab.state.region : lab.region),
      onProgress: progressPrinter(io),
      log: (line) => io.out(line),
    };
  };
  return {
    async up() {
      const result = await provisionAwsLab(lab, deps(true));
      io.out(JSON.stringify(result.outputs, null, 2));
      io.out(`estimated cost: $${result.cost.hourlyUsd.toFixed(3)}/h`);
    },
    async validate() {
      const d = deps(false);
      return validateAwsLab(
        lab,
        { aws: d.aws, tailscale: d.tailscale },
        checkTimeoutMs ? { timeoutMs: checkTimeoutMs } : {},
      );
    },
    async down() {
      const report = await teardownAwsLab(lab, deps(false));
      for (const warning of report.warnings) io.out(`warning: ${warning}`);
      io.out(
        `lab '${lab.id}' torn down: ${report.devices.length} tailnet device(s), ${report.leftovers.length} leftover(s) removed`,
      );
    },
  };
}
