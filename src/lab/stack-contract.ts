// The names infra/ and the core library agree on: stack ids, output names, variable names. Kept here, free of
// cdktf, so the validate and teardown bundles never load it.

/** Per-lab stacks on AWS, in the order their apply-time dependencies force. */
export const AWS_STACKS = ['network', 'cluster', 'client', 'workloads'] as const;
/** Applied before the wait for the client router; the workloads need the cluster API through it. */
export const INFRA_STACKS = ['network', 'cluster', 'client'] as const;
export const LOCAL_STACKS = ['local'] as const;

export const CLIENT_OUTPUTS = { instanceId: 'instance_id', privateIp: 'private_ip' } as const;

/** Terraform variables of the workloads stack (TF_VAR_<name> in the engine's environment). */
export const WORKLOADS_VARIABLES = {
  /** The operator's own OAuth client (tailnet-policy stack outputs). */
  operatorOauthClientId: 'operator_oauth_client_id',
  operatorOauthClientSecret: 'operator_oauth_client_secret',
} as const;
