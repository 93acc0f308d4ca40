// Tags are how the sweeper finds a lab's leftovers, so every taggable resource must carry them.
import { describe, expect, it } from 'vitest';
import { TAG_KEYS } from '../../../src/lab/config.ts';
import { demoLab, resourcesOf, resourceTypes, synthLab, type Json } from './synth-helpers.ts';

/** Whether the provider's generated class for a Terraform type has a `tags` argument, read from the typings. */
async function isTaggable(type: string): Promise<boolean> {
  const modulePath = `@cdktf/provider-aws/lib/${type.replace(/^aws_/, '').replaceAll('_', '-')}/index.js`;
  const exports = (await import(modulePath)) as Record<string, unknown>;
  const resourceClass = Object.values(exports).find(
    (value): value is { prototype: object; tfResourceType: string } =>
      typeof value === 'function' && (value as { tfResourceType?: string }).tfResourceType === type,
  );
  if (!resourceClass) throw new Error(`no provider class for ${type}`);
  return 'tagsInput' in resourceClass.prototype;
}

const gatewayLab = synthLab();
const instanceLab = synthLab(demoLab({ natMode: 'instance' }));
const stacks: [string, Json][] = [
  ['network', gatewayLab.network],
  ['nat (gateway)', gatewayLab.nat],
  ['nat (instance)', instanceLab.nat],
  ['cluster', gatewayLab.cluster],
  ['nodes', gatewayLab.nodes],
  ['client', gatewayLab.client],
];

describe('lab tags', () => {
  const lab = gatewayLab.lab;

  it.each(stacks)('sets the lab tags as provider default_tags in the %s stack', (_name, stack) => {
    const providers = (
      stack.provider as { aws: { default_tags: { tags: Record<string, string> }[]; region: string }[] }
    ).aws;
    expect(providers).toHaveLength(1);
    expect(providers[0]!.region).toBe(lab.region);
    const tags = providers[0]!.default_tags[0]!.tags;
    expect(tags).toEqual(lab.tags);
    expect(tags).toMatchObject({
      [TAG_KEYS.lab]: 'demo',
      [TAG_KEYS.expiresAt]: lab.lifecycle.expiresAt,
      [TAG_KEYS.owner]: lab.lifecycle.owner,
    });
  });

  it.each(stacks)('names every taggable resource tslab-demo-<what> in the %s stack', async (_name, stack) => {
    const unnamed: string[] = [];
    // Only AWS resources carry AWS tags (terraform_data and tailscale_* have none).
    for (const type of resourceTypes(stack).filter((t) => t.startsWith('aws_'))) {
      if (!(await isTaggable(type))) continue;
      for (const [id, body] of resourcesOf(stack, type)) {
        const name = (body.tags as Record<string, string> | undefined)?.Name;
        if (!name?.startsWith('tslab-demo-')) unnamed.push(`${type}.${id}`);
      }
    }
    expect(unnamed).toEqual([]);
  });

  it('knows a taggable type from an untaggable one', async () => {
    expect(await isTaggable('aws_vpc')).toBe(true);
    expect(await isTaggable('aws_route')).toBe(false);
  });

  it('spells out the lab tags on what default_tags does not reach: instance root volumes', () => {
    const instances = [
      ...resourcesOf(instanceLab.nat, 'aws_instance'),
      ...resourcesOf(gatewayLab.client, 'aws_instance'),
    ];
    expect(instances).toHaveLength(2);
    for (const [, instance] of instances) {
      expect((instance.root_block_device as Json).tags).toMatchObject(lab.tags);
    }
  });
});
