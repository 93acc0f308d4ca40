// Validate on AWS: find the lab's client instance and cluster from the lab id, then run the checks.
import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { connectToCluster } from '../aws/eks-access.ts';
import type { AwsClients } from '../aws/clients.ts';
import { AwsLabProbe } from '../checks/aws-probe.ts';
import type { ValidationReport } from '../checks/types.ts';
import { validateLab, type ValidateOptions } from '../checks/validate-lab.ts';
import { createLabCluster } from '../kubernetes/lab-cluster.ts';
import { TAG_KEYS, type LabConfig } from '../lab/config.ts';
import type { TailscaleApi } from '../tailscale/api-client.ts';

export interface AwsValidateDeps {
  aws: AwsClients;
  tailscale: TailscaleApi;
}

/** The running client instance of the lab, by its tags (validate runs in another job than provision). */
export async function findClientInstance(ec2: EC2Client, lab: LabConfig): Promise<string> {
  const out = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        { Name: `tag:${TAG_KEYS.lab}`, Values: [lab.id] },
        { Name: 'tag:Name', Values: [lab.client.hostname] },
        { Name: 'instance-state-name', Values: ['running'] },
      ],
    }),
  );
  const ids = (out.Reservations ?? [])
    .flatMap((r) => r.Instances ?? [])
    .flatMap((i) => (i.InstanceId ? [i.InstanceId] : []));
  if (ids.length !== 1) {
    throw new Error(
      `expected one running client instance ${lab.client.hostname} of lab '${lab.id}', found ${ids.length}`,
    );
  }
  return ids[0]!;
}

export async function validateAwsLab(
  lab: LabConfig,
  deps: AwsValidateDeps,
  options: ValidateOptions = {},
): Promise<ValidationReport> {
  const clientInstanceId = await findClientInstance(deps.aws.ec2, lab);
  const kubeConfig = await connectToCluster({
    clusterName: lab.cluster.name,
    region: lab.region,
    eks: deps.aws.eks,
    credentials: () => deps.aws.eks.config.credentials(),
  });
  const probe = new AwsLabProbe(lab, {
    cluster: createLabCluster(kubeConfig),
    tailscale: deps.tailscale,
    ssm: deps.aws.ssm,
    eks: deps.aws.eks,
    ec2: deps.aws.ec2,
    clientInstanceId,
  });
  return validateLab(lab, probe, options);
}
