// S3LabStore against a mocked S3 client: keys beside the state keys, missing objects, pagination.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, expect, it } from 'vitest';
import { buildManifest, type LabManifest } from '../../src/engine/manifest.ts';
import { S3LabStore } from '../../src/engine/lab-stores.ts';
import { resolveLab } from '../../src/lab/config.ts';

const s3 = mockClient(S3Client);
const store = new S3LabStore(new S3Client({ region: 'us-east-1' }), 'tslab-state');
const manifest = (id: string): LabManifest =>
  buildManifest(resolveLab({ lab: id, stateBucket: 'tslab-state', createdAt: '2026-11-27T10:00:00Z' }));

// The store only reads the body as a string; this is the part of the SDK's stream mixin it uses.
const body = (value: unknown): NonNullable<GetObjectCommandOutput['Body']> =>
  ({ transformToString: async () => JSON.stringify(value) }) as unknown as NonNullable<
    GetObjectCommandOutput['Body']
  >;

beforeEach(() => {
  s3.reset();
});

it('reads a missing manifest as undefined', async () => {
  s3.on(GetObjectCommand).rejects(
    new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }),
  );
  expect(await store.read('demo')).toBeUndefined();
  expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
    Bucket: 'tslab-state',
    Key: 'tslab/demo/manifest.json',
  });
});

it('does not hide other S3 failures behind "no manifest"', async () => {
  s3.on(GetObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
  await expect(store.read('demo')).rejects.toThrow('Access Denied');
});

it('writes the manifest as JSON to tslab/<lab>/manifest.json and reads it back', async () => {
  s3.on(PutObjectCommand).resolves({});
  await store.write(manifest('demo'));
  const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
  expect(put).toMatchObject({
    Bucket: 'tslab-state',
    Key: 'tslab/demo/manifest.json',
    ContentType: 'application/json',
  });
  expect(JSON.parse(put?.Body as string)).toEqual(manifest('demo'));

  s3.on(GetObjectCommand).resolves({ Body: body(manifest('demo')) });
  expect(await store.read('demo')).toEqual(manifest('demo'));
});

it('lists manifests across pages, ignoring the state files beside them', async () => {
  s3.on(ListObjectsV2Command, { Prefix: 'tslab/', ContinuationToken: undefined })
    .resolves({
      Contents: [{ Key: 'tslab/beta/manifest.json' }, { Key: 'tslab/beta/network.tfstate' }],
      IsTruncated: true,
      NextContinuationToken: 'page-2',
    })
    .on(ListObjectsV2Command, { ContinuationToken: 'page-2' })
    .resolves({
      Contents: [{ Key: 'tslab/alpha/cluster.tfstate' }, { Key: 'tslab/alpha/manifest.json' }],
      IsTruncated: false,
    });
  s3.on(GetObjectCommand, { Key: 'tslab/alpha/manifest.json' })
    .resolves({ Body: body(manifest('alpha')) })
    .on(GetObjectCommand, { Key: 'tslab/beta/manifest.json' })
    .resolves({ Body: body(manifest('beta')) });

  expect((await store.list()).map((m) => m.lab)).toEqual(['alpha', 'beta']);
  expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(2);
  expect(s3.commandCalls(GetObjectCommand)).toHaveLength(2);
});

it('deletes the recorded stacks, then tslab/<lab>/manifest.json last', async () => {
  s3.on(DeleteObjectCommand).resolves({});
  await store.delete('demo');
  expect(s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input)).toEqual([
    { Bucket: 'tslab-state', Key: 'tslab/demo/stacks.json' },
    { Bucket: 'tslab-state', Key: 'tslab/demo/manifest.json' },
  ]);
});

it('records the synthesized stacks beside the manifest and reads them back', async () => {
  const bundle = {
    schema: 1 as const,
    stacks: [
      {
        id: 'network',
        dependencies: [],
        backend: { kind: 'remote' as const, type: 's3' },
        files: { 'cdk.tf.json': '{}' },
      },
    ],
  };
  s3.on(PutObjectCommand).resolves({});
  await store.saveStacks('demo', bundle);
  const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
  expect(put.Key).toBe('tslab/demo/stacks.json');
  s3.on(GetObjectCommand, { Key: 'tslab/demo/stacks.json' }).resolves({
    Body: { transformToString: async () => String(put.Body) } as never,
  });
  expect(await store.loadStacks('demo')).toEqual(bundle);
});
