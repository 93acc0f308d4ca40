import { createAwsClients } from '../../aws/clients.ts';
import type { LabConfig } from '../../lab/config.ts';
import { provisionAwsLab, type AwsRunDeps } from '../../operations/provision-aws.ts';
import { teardownAwsLab } from '../../operations/teardown-aws.ts';
import { validateAwsLab } from '../../operations/validate-aws.ts';
import { createTailscaleApiClient } from '../../tailscale/api-client.ts';
import { TAILSCALE_CREDENTIAL_ENV } from '../../lab/stack-contract.ts';
import { progressPrinter, requireEnv, type LabTarget } from './lab.ts';

export function createTarget(
  lab: LabConfig,
  io: { out(line: string): void },
  checkTimeoutMs?: number,
): LabTarget {
  // Present: labCommand checked the environment before any cloud call.
  const deps = (): AwsRunDeps => {
    const tailscaleEnv = requireEnv(TAILSCALE_CREDENTIAL_ENV);
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
      const result = await provisionAwsLab(lab, deps());
      io.out(JSON.stringify(result.outputs, null, 2));
      io.out(`estimated cost: $${result.cost.hourlyUsd.toFixed(3)}/h`);
    },
    async validate() {
      const d = deps();
      return validateAwsLab(
        lab,
        { aws: d.aws, tailscale: d.tailscale },
        checkTimeoutMs ? { timeoutMs: checkTimeoutMs } : {},
      );
    },
    async down() {
      const report = await teardownAwsLab(lab, deps());
      for (const warning of report.warnings) io.out(`warning: ${warning}`);
      io.out(
        `lab '${lab.id}' torn down: ${report.devices.length} tailnet device(s), ${report.leftovers.length} leftover(s) removed`,
      );
    },
  };
}
