// Validate on AWS: find the lab's client instance and cluster from the lab id, then run the checks.
import { findClientInstance } from '../../clients/aws/lab-resources.ts';
import type { AwsClients } from '../../clients/aws/clients.ts';
import { AwsLabProbe } from './probe.ts';
import type { ValidationReport } from '../../checks/types.ts';
import { validateLab, type ValidateOptions } from '../../checks/validate-lab.ts';
import type { LabCluster } from '../../clients/kubernetes/lab-cluster.ts';
import type { LabConfig } from '../../lab/config.ts';
import type { TailscaleApi } from '../../clients/tailscale/api-client.ts';

export interface AwsValidateDeps {
  aws: AwsClients;
  tailscale: TailscaleApi;
  /** The lab's cluster API (over the tailnet). */
  connectCluster: (lab: LabConfig) => Promise<LabCluster>;
}

export async function validateAwsLab(
  lab: LabConfig,
  deps: AwsValidateDeps,
  options: ValidateOptions = {},
): Promise<ValidationReport> {
  const clientInstanceId = await findClientInstance(deps.aws.ec2, lab);
  const probe = new AwsLabProbe(lab, {
    cluster: await deps.connectCluster(lab),
    tailscale: deps.tailscale,
    ssm: deps.aws.ssm,
    eks: deps.aws.eks,
    ec2: deps.aws.ec2,
    clientInstanceId,
  });
  return validateLab(lab, probe, options);
}
