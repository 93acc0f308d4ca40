import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { expiredLabs } from '../../src/sweep/expired-labs.ts';
import { scanTaggedLabs } from '../../src/clients/aws/lab-resources.ts';
import { sweep } from '../../src/sweep/sweep.ts';
import { isLabTailnetHostname, labOfTailnetHostname } from '../../src/lab/ownership.ts';
import type { LabManifest } from '../../src/engine/manifest.ts';

const now = new Date('2026-06-01T12:00:00Z');

function manifest(lab: string, expiresAt: string): LabManifest {
  return {
    schema: 1,
    lab,
    slot: 1,
    region: 'us-east-1',
    routes: [],
    createdAt: '2026-06-01T00:00:00Z',
    expiresAt,
    owner: 'me',
    trigger: 'test',
    stacks: {},
  };
}

describe('sweeper ownership', () => {
  it('finds expired labs by manifest and by tag, and never a lab without a valid past expiry', async () => {
    const tagging = mockClient(ResourceGroupsTaggingAPIClient);
    tagging
      .on(GetResourcesCommand)
      .resolvesOnce({
        ResourceTagMappingList: [
          {
            ResourceARN: 'arn:vpc/1',
            Tags: [
              { Key: 'tslab:lab', Value: 'old' },
              { Key: 'tslab:expires-at', Value: '2026-06-01T11:00:00Z' },
            ],
          },
          {
            ResourceARN: 'arn:vpc/2',
            Tags: [
              { Key: 'tslab:lab', Value: 'future' },
              { Key: 'tslab:expires-at', Value: '2026-06-02T00:00:00Z' },
            ],
          },
          { ResourceARN: 'arn:vpc/3', Tags: [{ Key: 'tslab:lab', Value: 'no-expiry' }] },
          {
            ResourceARN: 'arn:vpc/4',
            Tags: [
              { Key: 'tslab:lab', Value: 'garbled' },
              { Key: 'tslab:expires-at', Value: 'soon' },
            ],
          },
        ],
        PaginationToken: 'p2',
      })
      .resolvesOnce({
        ResourceTagMappingList: [
          {
            ResourceARN: 'arn:i/5',
            Tags: [
              { Key: 'tslab:lab', Value: 'old' },
              { Key: 'tslab:expires-at', Value: '2026-06-01T10:00:00Z' },
            ],
          },
        ],
      });
    const tagged = await scanTaggedLabs(tagging as unknown as ResourceGroupsTaggingAPIClient);
    expect(tagging.commandCalls(GetResourcesCommand)).toHaveLength(2);
    expect(tagging.commandCalls(GetResourcesCommand)[0]!.args[0].input.TagFilters).toEqual([
      { Key: 'tslab:lab' },
    ]);
    const expired = expiredLabs(
      [
        manifest('gone-manifest', '2026-06-01T09:00:00Z'),
        manifest('fresh', '2026-06-01T13:00:00Z'),
        manifest('old', '2026-06-01T11:00:00Z'),
      ],
      tagged,
      now,
    );
    expect(expired.map((e) => e.lab)).toEqual(['gone-manifest', 'old']);
    expect(expired.find((e) => e.lab === 'old')).toMatchObject({ foundIn: ['manifest', 'tags'] });
  });

  it('matches tailnet hostnames of exactly one lab, never look-alikes', () => {
    expect(isLabTailnetHostname('demo', 'tslab-demo-client')).toBe(true);
    expect(isLabTailnetHostname('demo', 'tslab-demo-router-2')).toBe(true);
    expect(isLabTailnetHostname('demo', 'tslab-demo-2-client')).toBe(false);
    expect(isLabTailnetHostname('demo', 'tslab-demo-clientx')).toBe(false);
    expect(isLabTailnetHostname('demo', 'tslab-demo')).toBe(false);
    expect(isLabTailnetHostname('demo', 'my-laptop')).toBe(false);
    expect(labOfTailnetHostname('tslab-demo-router-client')).toBe('demo-router');
    expect(labOfTailnetHostname('tslab-pr-12-egress-1')).toBe('pr-12');
  });

  it('sweeps with bounded concurrency and reports failures without stopping', async () => {
    let running = 0;
    let peak = 0;
    const labs = Array.from({ length: 20 }, (_, i) => ({
      lab: `l${i}`,
      expiresAt: '2026-01-01T00:00:00Z',
      foundIn: ['tags' as const],
    }));
    const outcomes = await sweep(labs, {
      dryRun: false,
      concurrency: 3,
      teardown: async (lab) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 2));
        running--;
        if (lab.lab === 'l7') throw new Error('DependencyViolation: vpc has dependencies');
      },
    });
    expect(peak).toBe(3);
    expect(outcomes.filter((o) => o.result === 'removed')).toHaveLength(19);
    expect(outcomes[7]).toMatchObject({
      result: 'failed',
      detail: expect.stringContaining('DependencyViolation'),
    });
  });

  it('removes nothing in a dry run', async () => {
    let calls = 0;
    const outcomes = await sweep([{ lab: 'x', expiresAt: '2026-01-01T00:00:00Z', foundIn: ['manifest'] }], {
      dryRun: true,
      concurrency: 2,
      teardown: async () => void calls++,
    });
    expect(calls).toBe(0);
    expect(outcomes).toEqual([
      { lab: 'x', expiresAt: '2026-01-01T00:00:00Z', reason: 'expired', result: 'would-remove' },
    ]);
  });
});
