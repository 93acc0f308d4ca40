// Reaching the lab's EKS API server from tslab itself: DescribeCluster gives the endpoint and CA, and an in-memory
// kubeconfig authenticates with EKS bearer tokens. No kubeconfig file and no aws CLI are involved.
//
// The kubeconfig is tslab's own EksKubeConfig, shaped as client-node's (the Cluster, Context and User types and
// applyToHTTPSOptions), not client-node's KubeConfig class: that class's module imports every generated API and model,
// about 19 MB in each action bundle (README "Benchmarks").
import type { OutgoingHttpHeaders } from 'node:http';
import { Agent, type RequestOptions } from 'node:https';
import { DescribeClusterCommand, type EKSClient } from '@aws-sdk/client-eks';
import type { Cluster, Context, User } from '@kubernetes/client-node';
import { errorMessage } from '../../lab/errors.ts';
import { EKS_TOKEN_LIFETIME_MS, eksBearerToken, type AwsCredentialSource } from './eks-token.ts';

export interface ConnectToClusterOptions {
  clusterName: string;
  region: string;
  eks: EKSClient;
  credentials: AwsCredentialSource;
  /** Injected by tests to move the token clock. */
  now?: () => Date;
}

/** The authProvider name that routes this user to the EKS token authenticator. */
export const EKS_AUTH_PROVIDER = 'tslab-eks-token';

/**
 * A fresh token is minted well before STS would refuse the old one, so a request is never sent with a token that
 * expires on the way; validation runs (Job waits, Connector waits) outlast a single token's 15 minutes.
 */
export const EKS_TOKEN_REFRESH_MS = EKS_TOKEN_LIFETIME_MS - 5 * 60_000;

export async function connectToCluster(options: ConnectToClusterOptions): Promise<EksKubeConfig> {
  const { clusterName, region } = options;
  let described;
  try {
    described = await options.eks.send(new DescribeClusterCommand({ name: clusterName }));
  } catch (error) {
    throw new Error(`Could not describe EKS cluster ${clusterName} in ${region}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  const cluster = described.cluster;
  const endpoint = cluster?.endpoint;
  const caData = cluster?.certificateAuthority?.data;
  if (!endpoint || !caData) {
    throw new Error(
      `EKS cluster ${clusterName} in ${region} has no ${endpoint ? 'certificate authority' : 'endpoint'} yet ` +
        `(status ${cluster?.status ?? 'unknown'})`,
    );
  }

  const contextName = `${clusterName}@${region}`;
  return new EksKubeConfig(
    { name: contextName, server: endpoint, caData, skipTLSVerify: false },
    { name: contextName, authProvider: { name: EKS_AUTH_PROVIDER, config: {} } },
    new EksTokenAuthenticator(options),
  );
}

/** One cluster, one user, one current context: what DescribeCluster tells, authenticated by EKS tokens. */
export class EksKubeConfig {
  private readonly context: Context;
  /** One connection pool per cluster, trusting only the cluster's CA (as client-node's KubeConfig caches its agent). */
  private readonly agent: Agent;

  constructor(
    private readonly cluster: Cluster,
    private readonly user: User,
    private readonly authenticator: EksTokenAuthenticator,
  ) {
    this.context = { name: cluster.name, cluster: cluster.name, user: user.name };
    this.agent = new Agent({ ca: this.ca(), keepAlive: true });
  }

  getCurrentContext(): string {
    return this.context.name;
  }

  getCurrentCluster(): Cluster {
    return this.cluster;
  }

  getCurrentUser(): User {
    return this.user;
  }

  /** TLS trust in the cluster CA and a bearer token, on the options of one request. */
  async applyToHTTPSOptions(opts: RequestOptions): Promise<void> {
    opts.ca = this.ca();
    opts.agent = this.agent;
    await this.authenticator.applyAuthentication(this.user, opts);
  }

  private ca(): Buffer {
    return Buffer.from(this.cluster.caData ?? '', 'base64');
  }
}

/** Puts `Authorization: Bearer k8s-aws-v1.…` on every request, reusing a token until it nears its end. */
class EksTokenAuthenticator {
  private cached: { token: string; mintedAt: number } | undefined;

  constructor(private readonly options: ConnectToClusterOptions) {}

  async applyAuthentication(_user: User, opts: RequestOptions): Promise<void> {
    const now = (this.options.now ?? (() => new Date()))();
    if (!this.cached || now.getTime() - this.cached.mintedAt >= EKS_TOKEN_REFRESH_MS) {
      const token = await eksBearerToken({
        clusterName: this.options.clusterName,
        region: this.options.region,
        credentials: this.options.credentials,
        now,
      });
      this.cached = { token, mintedAt: now.getTime() };
    }
    const existing = opts.headers;
    const headers =
      existing === undefined || Array.isArray(existing) ? {} : (existing as OutgoingHttpHeaders);
    headers.Authorization = `Bearer ${this.cached.token}`;
    opts.headers = headers;
  }
}
