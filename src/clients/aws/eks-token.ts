// The EKS bearer token, as aws-iam-authenticator makes it (docs/design/eks.md §1): a presigned STS
// GetCallerIdentity URL that signs the header x-k8s-aws-id: <cluster>, base64url-encoded without padding, prefixed
// "k8s-aws-v1.". The API server replays the URL to STS to learn who is calling; no call to AWS happens here.
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/** Structurally the SDK's AwsCredentialIdentity, so SDK credential providers fit as they are. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export type AwsCredentialSource = AwsCredentials | (() => Promise<AwsCredentials>);

export interface EksTokenRequest {
  clusterName: string;
  region: string;
  credentials: AwsCredentialSource;
  /** Signing time; injected by tests for a fixed clock. */
  now?: Date;
}

export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
/** STS accepts a presigned GetCallerIdentity for 15 minutes after X-Amz-Date, whatever X-Amz-Expires says. */
export const EKS_TOKEN_LIFETIME_MS = 15 * 60_000;
const CLUSTER_ID_HEADER = 'x-k8s-aws-id';

export async function eksBearerToken(request: EksTokenRequest): Promise<string> {
  const hostname = stsHostname(request.region);
  const unsigned = new HttpRequest({
    method: 'GET',
    protocol: 'https:',
    hostname,
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    // Both stay headers (presign only hoists x-amz-*), so both land in X-Amz-SignedHeaders.
    headers: { host: hostname, [CLUSTER_ID_HEADER]: request.clusterName },
  });
  const signer = new SignatureV4({
    service: 'sts',
    region: request.region,
    credentials: request.credentials,
    sha256: Sha256,
  });
  const presigned = await signer.presign(unsigned, {
    // aws-iam-authenticator's value; STS ignores it but the authenticator accepts 0–900.
    expiresIn: 60,
    ...(request.now ? { signingDate: request.now } : {}),
  });
  const url = `https://${hostname}/?${formatQuery(presigned.query ?? {})}`;
  return EKS_TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url');
}

/** The regional STS endpoint; China regions live under amazonaws.com.cn. */
export function stsHostname(region: string): string {
  return `sts.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

function formatQuery(query: Record<string, string | readonly string[] | null | undefined>): string {
  return Object.keys(query)
    .sort()
    .flatMap((key) => {
      const value = query[key];
      const values: readonly (string | null | undefined)[] =
        typeof value === 'string' || !value ? [value] : value;
      return values.map((v) => (v === null || v === undefined ? escape(key) : `${escape(key)}=${escape(v)}`));
    })
    .join('&');
}

/** RFC 3986 escaping, as SigV4 canonicalises it: the reserved characters encodeURIComponent leaves alone too. */
function escape(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
