// Validate on AWS: find the lab's client instance and cluster from the lab id, then run the checks.
import { findClientInstance } from '../../clients/aws/lab-resources.ts';
import { AwsLabProbe } from './probe.ts';
import type { ValidationReport } from '../../checks/types.ts';
import { validateLab, type ValidateOptions } from '../../checks/validate-lab.ts';
import type { LabConfig } from '../../lab/config.ts';
import type { AwsServices } from './services.ts';

export async function validateAwsLab(
  lab: LabConfig,
  services: Pick<AwsServices, 'aws' | 'tailscale' | 'connectCluster'>,
  options: ValidateOptions = {},
): Promise<ValidationReport> {
  const clientInstanceId = await findClientInstance(services.aws.ec2, lab);
  const probe = new AwsLabProbe(lab, {
    cluster: await services.connectCluster(lab),
    tailscale: services.tailscale,
    ssm: services.aws.ssm,
    eks: services.aws.eks,
    ec2: services.aws.ec2,
    clientInstanceId,
  });
  return validateLab(lab, probe, options);
}
