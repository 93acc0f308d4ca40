// An IAM role an AWS service assumes, with AWS-managed policies attached. The attachments are exposed so that what
// uses the role can depend on them: Terraform then destroys the user first and the permissions last.
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { Construct } from 'constructs';
import type { LabConfig } from '../../../src/lab/config.ts';
import { nameTags } from './names.ts';

export interface ServiceRoleOptions {
  lab: LabConfig;
  /** `tslab-<lab>-<what>` Name tag. */
  what: string;
  /** IAM name prefix (max 38 characters); Terraform appends a unique suffix. */
  namePrefix: string;
  /** Service principal, e.g. "eks.amazonaws.com". */
  service: string;
  /** Names of AWS-managed policies, e.g. "AmazonEKSClusterPolicy". */
  managedPolicies: readonly string[];
}

export class ServiceRole extends Construct {
  readonly role: IamRole;
  readonly attachments: IamRolePolicyAttachment[];

  constructor(scope: Construct, id: string, options: ServiceRoleOptions) {
    super(scope, id);
    const partition = new DataAwsPartition(this, 'partition').partition;
    this.role = new IamRole(this, 'role', {
      namePrefix: options.namePrefix,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: options.service }, Action: 'sts:AssumeRole' }],
      }),
      tags: nameTags(options.lab, options.what),
    });
    this.attachments = options.managedPolicies.map(
      (policy) =>
        new IamRolePolicyAttachment(this, policy, {
          role: this.role.name,
          policyArn: `arn:${partition}:iam::aws:policy/${policy}`,
        }),
    );
  }
}
