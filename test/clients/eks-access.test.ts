import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeClusterCommand, EKSClient, ResourceNotFoundException } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EKS_TOKEN_REFRESH_MS, connectToCluster } from '../../src/clients/aws/eks-access.ts';
import { EKS_TOKEN_PREFIX } from '../../src/clients/aws/eks-token.ts';
import { createLabCluster } from '../../src/clients/kubernetes/lab-cluster.ts';
import { startFakeKubeApiServer } from '../fakes/kube-api-server.ts';

const eksMock = mockClient(EKSClient);
const eks = new EKSClient({ region: 'eu-west-1' });
const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const CA_DATA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString(
  'base64',
);

beforeEach(() => eksMock.reset());

function describeReturns(endpoint: string, caData = CA_DATA) {
  eksMock.on(DescribeClusterCommand, { name: 'tslab-demo' }).resolves({
    cluster: { name: 'tslab-demo', status: 'ACTIVE', endpoint, certificateAuthority: { data: caData } },
  });
}

/** The Authorization header client-node would send, and the cluster name signed into it. */
async function authorizationOf(kubeConfig: Awaited<ReturnType<typeof connectToCluster>>) {
  const opts: RequestOptions = {};
  await kubeConfig.applyToHTTPSOptions(opts);
  const header = String((opts.headers as Record<string, unknown>).Authorization);
  const token = header.replace(/^Bearer /, '');
  const url = new URL(Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), 'base64url').toString());
  return { header, token, url };
}

describe('connectToCluster', () => {
  it('builds an in-memory kubeconfig from DescribeCluster: endpoint, CA and one current context', async () => {
    describeReturns('https://ABCD.gr7.eu-west-1.eks.amazonaws.com');
    const kubeConfig = await connectToCluster({
      clusterName: 'tslab-demo',
      region: 'eu-west-1',
      eks,
      credentials,
    });

    expect(eksMock.commandCalls(DescribeClusterCommand)).toHaveLength(1);
    expect(eksMock.commandCalls(DescribeClusterCommand)[0]!.args[0].input).toEqual({ name: 'tslab-demo' });
    expect(kubeConfig.getCurrentCluster()).toMatchObject({
      server: 'https://ABCD.gr7.eu-west-1.eks.amazonaws.com',
      caData: CA_DATA,
      skipTLSVerify: false,
    });
    expect(kubeConfig.getCurrentContext()).toBe('tslab-demo@eu-west-1');
    // No token is frozen into the config: it is minted per request and refreshed.
    expect(kubeConfig.getCurrentUser()?.token).toBeUndefined();
  });

  it('authenticates requests with an EKS token signed for this cluster', async () => {
    describeReturns('https://ABCD.gr7.eu-west-1.eks.amazonaws.com');
    const kubeConfig = await connectToCluster({
      clusterName: 'tslab-demo',
      region: 'eu-west-1',
      eks,
      credentials,
    });
    const { header, url } = await authorizationOf(kubeConfig);
    expect(header).toMatch(/^Bearer k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    expect(url.host).toBe('sts.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
  });

  it('reuses a token while it is fresh and mints a new one before STS would refuse it', async () => {
    describeReturns('https://ABCD.gr7.eu-west-1.eks.amazonaws.com');
    let now = new Date('2026-11-27T10:00:00Z');
    const kubeConfig = await connectToCluster({
      clusterName: 'tslab-demo',
      region: 'eu-west-1',
      eks,
      credentials,
      now: () => now,
    });
    const first = await authorizationOf(kubeConfig);
    now = new Date(now.getTime() + EKS_TOKEN_REFRESH_MS - 1000);
    expect((await authorizationOf(kubeConfig)).token).toBe(first.token);
    now = new Date(now.getTime() + 1000);
    const renewed = await authorizationOf(kubeConfig);
    expect(renewed.token).not.toBe(first.token);
    expect(renewed.url.searchParams.get('X-Amz-Date')).toBe('20261127T101000Z');
  });

  it('names the cluster and region when DescribeCluster fails', async () => {
    eksMock
      .on(DescribeClusterCommand)
      .rejects(
        new ResourceNotFoundException({ message: 'No cluster found for name: tslab-gone.', $metadata: {} }),
      );
    await expect(
      connectToCluster({ clusterName: 'tslab-gone', region: 'eu-west-1', eks, credentials }),
    ).rejects.toThrow(
      'Could not describe EKS cluster tslab-gone in eu-west-1: No cluster found for name: tslab-gone.',
    );
  });

  it('refuses a cluster that has no endpoint yet, naming its status', async () => {
    eksMock.on(DescribeClusterCommand).resolves({ cluster: { name: 'tslab-demo', status: 'CREATING' } });
    await expect(
      connectToCluster({ clusterName: 'tslab-demo', region: 'eu-west-1', eks, credentials }),
    ).rejects.toThrow('EKS cluster tslab-demo in eu-west-1 has no endpoint yet (status CREATING)');
  });
});

describe('connectToCluster against a TLS API server', () => {
  let dir: string;
  let key: string;
  let cert: string;
  let otherCert: string;

  beforeAll(() => {
    // A throwaway self-signed certificate for 127.0.0.1, standing in for the cluster CA.
    dir = mkdtempSync(join(tmpdir(), 'tslab-eks-access-'));
    const selfSigned = (name: string) => {
      execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1']
          .concat(['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'])
          .concat(['-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.pem`)]),
        { stdio: 'ignore' },
      );
      return {
        key: readFileSync(join(dir, `${name}.key`), 'utf8'),
        cert: readFileSync(join(dir, `${name}.pem`), 'utf8'),
      };
    };
    ({ key, cert } = selfSigned('server'));
    otherCert = selfSigned('other').cert;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('trusts the cluster CA from DescribeCluster and sends the bearer token to the API server', async () => {
    const server = await startFakeKubeApiServer({ tls: { key, cert } });
    try {
      server.addCustomObject('connectors', { metadata: { name: 'tslab-demo-router' }, spec: {} });
      describeReturns(server.url, Buffer.from(cert).toString('base64'));
      const kubeConfig = await connectToCluster({
        clusterName: 'tslab-demo',
        region: 'eu-west-1',
        eks,
        credentials,
      });
      const connector = await createLabCluster(kubeConfig).getCustomObject('Connector', 'tslab-demo-router');
      expect(connector?.name).toBe('tslab-demo-router');
      expect(server.requests[0]!.authorization).toMatch(/^Bearer k8s-aws-v1\./);
    } finally {
      await server.close();
    }
  });

  it('refuses an API server whose certificate the cluster CA did not sign', async () => {
    const server = await startFakeKubeApiServer({ tls: { key, cert } });
    try {
      describeReturns(server.url, Buffer.from(otherCert).toString('base64'));
      const kubeConfig = await connectToCluster({
        clusterName: 'tslab-demo',
        region: 'eu-west-1',
        eks,
        credentials,
      });
      await expect(createLabCluster(kubeConfig).getCustomObject('Connector', 'x')).rejects.toThrow(
        /Could not get Connector x: .*(self[- ]signed|unable to verify)/i,
      );
      expect(server.requests).toHaveLength(0);
    } finally {
      await server.close();
    }
  });
});
