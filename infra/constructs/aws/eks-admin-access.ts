// Cluster admin for whoever deploys the lab, through an access entry. An assumed-role session ARN
// (arn:aws:sts::…:assumed-role/<role>/<session>) is not a valid principal, so the session's issuing role is used.
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js';
import { DataAwsIamSessionContext } from '@cdktf/provider-aws/lib/data-aws-iam-session-context/index.js';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition/index.js';
import { EksAccessEntry } from '@cdktf/provider-aws/lib/eks-access-entry/index.js';
import { EksAccessPolicyAssociation } from '@cdktf/provider-aws/lib/eks-access-policy-association/index.js';
import { Construct } from 'constructs';
import type { LabConfig } from '../../../src/lab/config.ts';
import { nameTags } from './names.ts';

export const CLUSTER_ADMIN_POLICY = 'AmazonEKSClusterAdminPolicy';

export interface EksAdminAccessOptions {
  lab: LabConfig;
  clusterName: string;
}

export class EksAdminAccess extends Construct {
  readonly principalArn: string;
  readonly association: EksAccessPolicyAssociation;

  constructor(scope: Construct, id: string, { lab, clusterName }: EksAdminAccessOptions) {
    super(scope, id);
    const caller = new DataAwsCallerIdentity(this, 'caller');
    const session = new DataAwsIamSessionContext(this, 'session', { arn: caller.arn });
    const partition = new DataAwsPartition(this, 'partition').partition;
    this.principalArn = session.issuerArn;

    const entry = new EksAccessEntry(this, 'entry', {
      clusterName,
      principalArn: this.principalArn,
      type: 'STANDARD',
      tags: nameTags(lab, 'deployer'),
    });
    this.association = new EksAccessPolicyAssociation(this, 'cluster-admin', {
      clusterName,
      principalArn: entry.principalArn,
      policyArn: `arn:${partition}:eks::aws:cluster-access-policy/${CLUSTER_ADMIN_POLICY}`,
      accessScope: { type: 'cluster' },
    });
  }
}
