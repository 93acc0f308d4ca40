// The client's auth key at rest: an SSM SecureString under the lab's own path, encrypted with the account's default
// aws/ssm key, tagged like every lab resource and destroyed with the lab. The client never sees the key in its user
// data: `tailscale up --auth-key=<this parameter's ARN>` makes the CLI read it with the instance role
// (docs/design/workload-identity.md §5, §9).
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter/index.js';
import { Construct } from 'constructs';
import type { LabConfig } from '../../../src/lab/config.ts';
import { nameTags } from './names.ts';

/**
 * `/tslab/<lab>/client-auth-key`. Hierarchical on purpose: the CLI turns the ARN's `parameter/<rest>` back into the
 * name `/<rest>`, so only a name with a leading slash round-trips (docs/design/workload-identity.md §9).
 */
export function clientAuthKeyParameterName(lab: LabConfig): string {
  return `/tslab/${lab.id}/client-auth-key`;
}

/** The SSM actions that read a parameter's value; the client role may use them on its own parameter only. */
export const PARAMETER_READ_ACTIONS = [
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:GetParametersByPath',
  'ssm:GetParameterHistory',
] as const;

export interface ClientAuthKeyParameterOptions {
  lab: LabConfig;
  /** A Terraform expression (or cdktf token) for the auth key. */
  value: string;
}

export class ClientAuthKeyParameter extends Construct {
  readonly parameter: SsmParameter;
  /** The parameter's ARN, what `tailscale up --auth-key=` is given. */
  readonly arn: string;

  constructor(scope: Construct, id: string, { lab, value }: ClientAuthKeyParameterOptions) {
    super(scope, id);
    // No key_id: the default aws/ssm key. Its key policy lets any principal of the account decrypt through SSM, so
    // who may read the value is decided by the ssm:GetParameter* grants alone (the client role's policy).
    this.parameter = new SsmParameter(this, 'parameter', {
      name: clientAuthKeyParameterName(lab),
      description: `tslab ${lab.id}: the lab client's single-use Tailscale auth key`,
      type: 'SecureString',
      value,
      tags: nameTags(lab, 'client-auth-key'),
    });
    this.arn = this.parameter.arn;
  }
}

/**
 * The client role's inline policy: read exactly this one parameter, and nothing else in Parameter Store even where a
 * managed policy (AmazonSSMManagedInstanceCore grants ssm:GetParameter* on every parameter) would allow it.
 */
export function readOnlyThisParameterPolicy(parameterArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ReadTheClientAuthKey', Effect: 'Allow', Action: 'ssm:GetParameter', Resource: parameterArn },
      {
        Sid: 'ReadNoOtherParameter',
        Effect: 'Deny',
        Action: [...PARAMETER_READ_ACTIONS],
        NotResource: parameterArn,
      },
    ],
  });
}
