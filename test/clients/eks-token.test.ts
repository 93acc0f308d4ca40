import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EKS_TOKEN_PREFIX, eksBearerToken } from '../../src/clients/aws/eks-token.ts';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const now = new Date('2026-11-27T10:00:00Z');

function decode(token: string): URL {
  expect(token.startsWith(EKS_TOKEN_PREFIX)).toBe(true);
  return new URL(Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), 'base64url').toString('utf8'));
}

describe('EKS bearer token', () => {
  it('is a base64url presigned STS GetCallerIdentity URL with the documented query', async () => {
    const token = await eksBearerToken({ clusterName: 'tslab-demo', region: 'eu-west-1', credentials, now });
    const url = decode(token);
    expect(url.protocol).toBe('https:');
    expect(url.host).toBe('sts.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/');
    const q = url.searchParams;
    expect(q.get('Action')).toBe('GetCallerIdentity');
    expect(q.get('Version')).toBe('2011-06-15');
    expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(q.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20261127/eu-west-1/sts/aws4_request');
    expect(q.get('X-Amz-Date')).toBe('20261127T100000Z');
    expect(q.get('X-Amz-Expires')).toBe('60');
    expect(q.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    expect(q.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    // The cluster name travels only as a signed header, never in the URL.
    expect(url.href).not.toContain('tslab-demo');
  });

  it('carries a signature STS would accept: recomputed here from the URL by the SigV4 rules', async () => {
    const token = await eksBearerToken({ clusterName: 'tslab-demo', region: 'us-east-1', credentials, now });
    const url = decode(token);
    const params = [...url.searchParams.entries()].filter(([key]) => key !== 'X-Amz-Signature');
    const rfc3986 = (t: string) =>
      encodeURIComponent(t).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const canonicalQuery = params
      .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
      .sort()
      .join('&');
    const sha256 = (t: string) => createHash('sha256').update(t).digest('hex');
    const canonicalRequest = [
      'GET',
      '/',
      canonicalQuery,
      `host:${url.host}\nx-k8s-aws-id:tslab-demo\n`,
      'host;x-k8s-aws-id',
      sha256(''),
    ].join('\n');
    const scope = '20261127/us-east-1/sts/aws4_request';
    const stringToSign = ['AWS4-HMAC-SHA256', '20261127T100000Z', scope, sha256(canonicalRequest)].join('\n');
    let key: Buffer = Buffer.from(`AWS4${credentials.secretAccessKey}`);
    for (const part of scope.split('/')) key = createHmac('sha256', key).update(part).digest();
    expect(url.searchParams.get('X-Amz-Signature')).toBe(
      createHmac('sha256', key).update(stringToSign).digest('hex'),
    );
  });

  it('uses the URL-safe alphabet without padding', async () => {
    for (const clusterName of ['a', 'ab', 'abc', 'tslab-demo']) {
      const token = await eksBearerToken({ clusterName, region: 'us-east-1', credentials, now });
      expect(token.slice(EKS_TOKEN_PREFIX.length)).toMatch(/^[A-Za-z0-9_-]+$/);
    }
  });

  it('signs the cluster name: the signature changes with it and is stable for a fixed clock', async () => {
    const sign = async (clusterName: string) =>
      decode(await eksBearerToken({ clusterName, region: 'us-east-1', credentials, now })).searchParams.get(
        'X-Amz-Signature',
      );
    const first = await sign('tslab-one');
    expect(await sign('tslab-one')).toBe(first);
    expect(await sign('tslab-two')).not.toBe(first);
  });

  it('carries a session token and accepts a credential provider', async () => {
    const token = await eksBearerToken({
      clusterName: 'tslab-demo',
      region: 'us-east-1',
      credentials: async () => ({ ...credentials, sessionToken: 'FwoGZXIvYXdzE+/session=' }),
      now,
    });
    expect(decode(token).searchParams.get('X-Amz-Security-Token')).toBe('FwoGZXIvYXdzE+/session=');
  });

  it('signs for the China partition endpoint in cn- regions', async () => {
    const url = decode(await eksBearerToken({ clusterName: 'c', region: 'cn-north-1', credentials, now }));
    expect(url.host).toBe('sts.cn-north-1.amazonaws.com.cn');
  });
});
