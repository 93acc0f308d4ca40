// The names infra/ and the core library agree on: stack ids, output names, variable names, and what the CI credential
// must carry. Kept here, free of cdktf, so the validate and teardown bundles and `tslab doctor` never load it.

/**
 * Per-lab stacks on AWS, in an order their apply-time dependencies allow (docs/design/engine.md §4). Labs made before
 * the NAT and the nodes had stacks of their own have network, cluster, client and workloads only; teardown destroys
 * whatever stacks a lab recorded.
 */
export const AWS_STACKS = ['network', 'cluster', 'nat', 'client', 'nodes', 'workloads'] as const;
export const LOCAL_STACKS = ['local'] as const;

export type AwsStackId = (typeof AWS_STACKS)[number];

/** What the AWS wing must know of particular stacks: which one plays which part in a provision and a teardown. */
export const AWS_STACK_ROLES = {
  /** Creates the client instance, whose router the runner reaches the private cluster through. */
  client: 'client',
  /** Reads the client router's tailnet address (WORKLOADS_VARIABLES.clientTailnetIp): applied once the router is up. */
  needsRouter: 'workloads',
  /** Holds the Helm releases and, through them, the operator's custom resources: its destroy needs the cluster API. */
  inCluster: 'workloads',
  /** Holds the VPC: what the cluster's controllers leave in it (ENIs, load balancers) must go before it. */
  vpc: 'network',
} as const satisfies Record<string, AwsStackId>;

export const CLIENT_OUTPUTS = { instanceId: 'instance_id', privateIp: 'private_ip' } as const;

/** Terraform variables of the workloads stack (TF_VAR_<name> in the engine's environment). */
export const WORKLOADS_VARIABLES = {
  /** The operator's own OAuth client (tailnet-policy stack outputs). */
  operatorOauthClientId: 'operator_oauth_client_id',
  operatorOauthClientSecret: 'operator_oauth_client_secret',
  /**
   * The client's IPv4 tailnet address, as provision's wait for the router saw it online: a lookup by hostname could
   * pick a stale device of the same name (an earlier, replaced client).
   */
  clientTailnetIp: 'client_tailnet_ip',
} as const;

/** The variables that carry the operator's OAuth client: what a user must export before `tslab provision`. */
export const OPERATOR_CREDENTIAL_VARIABLES = [
  WORKLOADS_VARIABLES.operatorOauthClientId,
  WORKLOADS_VARIABLES.operatorOauthClientSecret,
] as const;

/** Where terraform reads them: the environment of the engine. */
export const OPERATOR_CREDENTIAL_ENV = OPERATOR_CREDENTIAL_VARIABLES.map((name) => `TF_VAR_${name}`);

/** The CI OAuth client: the tailscale provider and tslab's own API calls read it from here. */
export const TAILSCALE_CREDENTIAL_ENV = [
  'TAILSCALE_OAUTH_CLIENT_ID',
  'TAILSCALE_OAUTH_CLIENT_SECRET',
] as const;

/**
 * Tag of the CI credential (the tailnet-policy stack's CI OAuth client and federated identity) and of the CI runners
 * that join the tailnet with it. The tailnet policy grants it; `tslab doctor` checks the credential carries it.
 */
export const CI_RUNNER_TAG = 'tag:tslab-ci';

/**
 * Scopes of the CI credential (KB 1623 trust-credential scopes): devices:core to look up and delete lab devices,
 * auth_keys to mint the client's key and join runners, dns for each lab's split DNS, devices:routes:read to check
 * that a lab's routes were advertised and approved, federated_keys to create (and destroy) each lab's operator
 * identity (docs/design/workload-identity.md §3). The tailnet-policy stack grants them; `tslab doctor` checks them.
 */
export const CI_OAUTH_SCOPES: readonly string[] = [
  'devices:core',
  'auth_keys',
  'dns',
  'devices:routes:read',
  'federated_keys',
];

/**
 * Issuer of GitHub Actions OIDC tokens (docs/design/workload-identity.md §7): the CI federated identity the
 * tailnet-policy stack makes trusts it, and `tslab doctor` checks that the one in use does.
 */
export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';
