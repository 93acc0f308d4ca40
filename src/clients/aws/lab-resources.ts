// A lab's AWS resources, found by its tslab:lab tag: the one place tslab asks AWS "what belongs to this lab". Anything
// without the tag is invisible here, so teardown, the sweeper and the checks can never take it for the lab's. The one
// reach past the tag is teardown's, and only inside the VPC found here: what the cluster left there untagged
// (src/targets/aws/leftovers.ts).
import { DescribeInstancesCommand, DescribeVpcsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import {
  GetResourcesCommand,
  type ResourceGroupsTaggingAPIClient,
  type ResourceTagMapping,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { TAG_KEYS, type LabConfig } from '../../lab/config.ts';

export interface TaggedLab {
  lab: string;
  /** The earliest tslab:expires-at seen on the lab's resources. */
  expiresAt: string | undefined;
  resources: string[];
}

/** The lab's VPC ids (one, unless a run went wrong). */
export async function labVpcIds(ec2: EC2Client, labId: string): Promise<string[]> {
  const out = await ec2.send(
    new DescribeVpcsCommand({ Filters: [{ Name: `tag:${TAG_KEYS.lab}`, Values: [labId] }] }),
  );
  return (out.Vpcs ?? []).flatMap((v) => (v.VpcId ? [v.VpcId] : []));
}

/** The running client instance of the lab (validate runs in another job than provision). */
export async function findClientInstance(ec2: EC2Client, lab: LabConfig): Promise<string> {
  const out = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        { Name: `tag:${TAG_KEYS.lab}`, Values: [lab.id] },
        { Name: 'tag:Name', Values: [lab.client.hostname] },
        { Name: 'instance-state-name', Values: ['running'] },
      ],
    }),
  );
  const ids = (out.Reservations ?? [])
    .flatMap((r) => r.Instances ?? [])
    .flatMap((i) => (i.InstanceId ? [i.InstanceId] : []));
  if (ids.length !== 1) {
    throw new Error(
      `expected one running client instance ${lab.client.hostname} of lab '${lab.id}', found ${ids.length}`,
    );
  }
  return ids[0]!;
}

/** Every resource the tagging API lists under the filter, all pages. */
async function taggedResources(
  tagging: ResourceGroupsTaggingAPIClient,
  filter: { Key: string; Values?: string[] },
): Promise<ResourceTagMapping[]> {
  const resources: ResourceTagMapping[] = [];
  let token: string | undefined;
  do {
    const page = await tagging.send(
      new GetResourcesCommand({ TagFilters: [filter], ...(token ? { PaginationToken: token } : {}) }),
    );
    resources.push(...(page.ResourceTagMappingList ?? []));
    token = page.PaginationToken || undefined;
  } while (token);
  return resources;
}

/** ARNs of everything still tagged for the lab. */
export async function labResourceArns(
  tagging: ResourceGroupsTaggingAPIClient,
  labId: string,
): Promise<string[]> {
  const resources = await taggedResources(tagging, { Key: TAG_KEYS.lab, Values: [labId] });
  return resources.flatMap((r) => (r.ResourceARN ? [r.ResourceARN] : []));
}

/** Every resource carrying the tslab:lab tag, grouped by lab. */
export async function scanTaggedLabs(tagging: ResourceGroupsTaggingAPIClient): Promise<TaggedLab[]> {
  const labs = new Map<string, TaggedLab>();
  for (const resource of await taggedResources(tagging, { Key: TAG_KEYS.lab })) {
    const tags = Object.fromEntries((resource.Tags ?? []).map((t) => [t.Key, t.Value]));
    const lab = tags[TAG_KEYS.lab];
    if (!lab || !resource.ResourceARN) continue;
    const entry: TaggedLab = labs.get(lab) ?? { lab, expiresAt: undefined, resources: [] };
    entry.resources.push(resource.ResourceARN);
    const expiresAt = tags[TAG_KEYS.expiresAt];
    if (
      expiresAt &&
      Number.isFinite(Date.parse(expiresAt)) &&
      (!entry.expiresAt || expiresAt < entry.expiresAt)
    ) {
      entry.expiresAt = expiresAt;
    }
    labs.set(lab, entry);
  }
  return [...labs.values()];
}
