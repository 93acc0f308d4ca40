import { describe, expect, it } from 'vitest';
import { demoLab, synthLab, type Json } from './synth-helpers.ts';

function backend(stack: Json): Record<string, Json> {
  return (stack.terraform as { backend: Record<string, Json> }).backend;
}

describe('state backend of the AWS stacks', () => {
  it('keeps each stack in its own S3 key with native locking when the lab has a state bucket', () => {
    const synthesized = synthLab(demoLab({ stateBucket: 'my-bucket' }));
    for (const stackId of ['network', 'nat', 'cluster', 'nodes', 'client'] as const) {
      expect(backend(synthesized[stackId]).s3).toMatchObject({
        bucket: 'my-bucket',
        key: `tslab/demo/${stackId}.tfstate`,
        use_lockfile: true,
        encrypt: true,
      });
    }
  });

  it('reads the network outputs from the network state key', () => {
    const { cluster } = synthLab(demoLab({ stateBucket: 'my-bucket' }));
    const remote = (
      cluster.data as { terraform_remote_state: Record<string, { backend: string; config: Json }> }
    ).terraform_remote_state;
    const sources = Object.values(remote);
    expect(sources).toHaveLength(1);
    expect(sources[0]).toMatchObject({ backend: 's3', config: { key: 'tslab/demo/network.tfstate' } });
  });

  it("reads each stack's outputs from that stack's state key", () => {
    const { nodes, client } = synthLab(demoLab({ stateBucket: 'my-bucket' }));
    const keysRead = (stack: Json) =>
      Object.values(
        (stack.data as { terraform_remote_state: Record<string, { config: { key: string } }> })
          .terraform_remote_state,
      )
        .map((source) => source.config.key)
        .sort();
    expect(keysRead(nodes)).toEqual([
      'tslab/demo/cluster.tfstate',
      'tslab/demo/nat.tfstate',
      'tslab/demo/network.tfstate',
    ]);
    expect(keysRead(client)).toEqual(['tslab/demo/nat.tfstate', 'tslab/demo/network.tfstate']);
  });

  it('uses a local state file per stack without a state bucket', () => {
    const synthesized = synthLab(demoLab());
    expect(backend(synthesized.client).local).toMatchObject({ path: '.tslab/state/demo/client.tfstate' });
  });
});
