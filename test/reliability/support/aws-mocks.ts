// The AWS SDK clients tslab gets (AwsClients), each mocked with aws-sdk-client-mock and answering from the cloud model:
// EC2 and ELB describe/delete what the model holds, the tagging API lists its tags, S3 is the state bucket. Injected
// faults are thrown per action, and every command sent is kept so tests can count calls and derive IAM actions.
import { mockClient } from 'aws-sdk-client-mock';
import {
  DeleteNetworkInterfaceCommand,
  DeleteSecurityGroupCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type Filter,
} from '@aws-sdk/client-ec2';
import {
  DeleteLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeClusterCommand, DescribeClusterVersionsCommand, EKSClient } from '@aws-sdk/client-eks';
import { dayStart, EKS_VERSIONS } from '../../../src/lab/eks-versions.ts';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
  type TagFilter,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import type { AwsClients } from '../../../src/clients/aws/clients.ts';
import { awsError, REGION, type CloudModel, type CloudResource } from './cloud-model.ts';

const CREDENTIALS = { accessKeyId: 'AKIDMODEL', secretAccessKey: 'model-secret' };
/** Small pages, so every caller's pagination is exercised. */
const TAGGING_PAGE = 4;

/** What tests need of a mock, whatever its client: the commands it received. */
interface AnyStub {
  calls(): { args: readonly unknown[] }[];
  restore(): void;
}

export interface MockedAws {
  clients: AwsClients;
  stubs: Record<'ec2' | 'elb' | 'tagging' | 's3' | 'eks' | 'ssm', AnyStub>;
  /** Puts the SDK back (needed after mocking whole classes). */
  restore(): void;
}

/** IAM service prefix of each client, and the commands whose IAM action is named differently. */
const IAM_PREFIX: Record<keyof MockedAws['stubs'], string> = {
  ec2: 'ec2',
  elb: 'elasticloadbalancing',
  tagging: 'tag',
  s3: 's3',
  eks: 'eks',
  ssm: 'ssm',
};
const IAM_RENAMED: Record<string, string> = { 's3:ListObjectsV2': 's3:ListBucket' };

/** Every command sent so far, as the IAM action it needs (e.g. ec2:DescribeVpcs, s3:ListBucket). */
export function sentActions(aws: MockedAws): string[] {
  return Object.entries(aws.stubs).flatMap(([client, stub]) =>
    stub.calls().map((call) => {
      const command = (call.args[0] as object).constructor.name.replace(/Command$/, '');
      const action = `${IAM_PREFIX[client as keyof MockedAws['stubs']]}:${command}`;
      return IAM_RENAMED[action] ?? action;
    }),
  );
}

/** Calls that change something (Delete*, Put*, Create*, ...): a no-op run sends none of these. */
export function mutatingActions(aws: MockedAws): string[] {
  return sentActions(aws).filter((action) => !/:(Describe|Get|List)/.test(action));
}

/**
 * By default only the returned clients are mocked; with `classes`, every client of those classes is (for code that
 * creates its own, such as the actions and the CLI).
 */
export function mockAwsClients(model: CloudModel, mode: 'instances' | 'classes' = 'instances'): MockedAws {
  const config = { region: REGION, credentials: CREDENTIALS };
  const clients: AwsClients = {
    region: REGION,
    ec2: new EC2Client(config),
    eks: new EKSClient(config),
    elb: new ElasticLoadBalancingV2Client(config),
    ssm: new SSMClient(config),
    s3: new S3Client(config),
    tagging: new ResourceGroupsTaggingAPIClient(config),
  };
  const classes = mode === 'classes';
  const stubs = {
    ec2: mockClient(classes ? EC2Client : clients.ec2),
    elb: mockClient(classes ? ElasticLoadBalancingV2Client : clients.elb),
    tagging: mockClient(classes ? ResourceGroupsTaggingAPIClient : clients.tagging),
    s3: mockClient(classes ? S3Client : clients.s3),
    eks: mockClient(classes ? EKSClient : clients.eks),
    ssm: mockClient(classes ? SSMClient : clients.ssm),
  };
  // Each answer first throws the fault injected for its action, if any.
  const answer =
    <I, O>(action: string, body: (input: I) => O) =>
    (input: I): O => {
      model.checkFault(action);
      return body(input);
    };

  stubs.ec2.on(DescribeVpcsCommand).callsFake(
    answer('ec2:DescribeVpcs', (input: { Filters?: Filter[] }) => ({
      Vpcs: select(model, 'aws_vpc', input.Filters).map((r) => ({ VpcId: r.id, Tags: tagList(r) })),
    })),
  );
  stubs.ec2.on(DescribeNetworkInterfacesCommand).callsFake(
    answer('ec2:DescribeNetworkInterfaces', (input: { Filters?: Filter[] }) => ({
      NetworkInterfaces: select(model, 'eni', input.Filters).map((r) => ({
        NetworkInterfaceId: r.id,
        VpcId: r.vpcId,
        Status: r.status,
        TagSet: tagList(r),
      })),
    })),
  );
  stubs.ec2.on(DeleteNetworkInterfaceCommand).callsFake(
    answer('ec2:DeleteNetworkInterface', (input: { NetworkInterfaceId: string }) => {
      const eni = existing(model, input.NetworkInterfaceId, 'InvalidNetworkInterfaceID.NotFound');
      if (eni.status === 'in-use') {
        throw awsError(
          'InvalidNetworkInterface.InUse',
          `The network interface '${eni.id}' is currently in use.`,
        );
      }
      model.remove(eni.id);
      return {};
    }),
  );
  stubs.ec2.on(DescribeSecurityGroupsCommand).callsFake(
    answer('ec2:DescribeSecurityGroups', (input: { Filters?: Filter[] }) => ({
      SecurityGroups: select(model, ['aws_security_group', 'security-group'], input.Filters).map((r) => ({
        GroupId: r.id,
        GroupName: r.groupName ?? r.id,
        VpcId: r.vpcId,
        Tags: tagList(r),
      })),
    })),
  );
  stubs.ec2.on(DeleteSecurityGroupCommand).callsFake(
    answer('ec2:DeleteSecurityGroup', (input: { GroupId: string }) => {
      const group = existing(model, input.GroupId, 'InvalidGroup.NotFound');
      if (model.all().some((r) => r.securityGroups?.includes(group.id))) {
        throw awsError('DependencyViolation', `resource ${group.id} has a dependent object`);
      }
      model.remove(group.id);
      return {};
    }),
  );
  stubs.ec2.on(DescribeInstancesCommand).callsFake(
    answer('ec2:DescribeInstances', (input: { Filters?: Filter[] }) => ({
      Reservations: select(model, 'aws_instance', input.Filters).map((r) => ({
        Instances: [{ InstanceId: r.id, Tags: tagList(r), State: { Name: 'running' } }],
      })),
    })),
  );

  stubs.elb.on(DescribeLoadBalancersCommand).callsFake(
    answer('elasticloadbalancing:DescribeLoadBalancers', () => ({
      LoadBalancers: select(model, 'load-balancer').map((r) => ({
        LoadBalancerArn: r.arn,
        VpcId: r.vpcId,
        SecurityGroups: r.securityGroups,
      })),
    })),
  );
  stubs.elb.on(DescribeTagsCommand).callsFake(
    answer('elasticloadbalancing:DescribeTags', (input: { ResourceArns: string[] }) => ({
      TagDescriptions: model
        .all()
        .filter((r) => input.ResourceArns.includes(r.arn))
        .map((r) => ({ ResourceArn: r.arn, Tags: tagList(r) })),
    })),
  );
  stubs.elb.on(DeleteLoadBalancerCommand).callsFake(
    answer('elasticloadbalancing:DeleteLoadBalancer', (input: { LoadBalancerArn: string }) => {
      const lb = model.all().find((r) => r.arn === input.LoadBalancerArn);
      if (!lb) throw awsError('LoadBalancerNotFound', `${input.LoadBalancerArn} not found`);
      model.remove(lb.id);
      return {};
    }),
  );

  stubs.tagging.on(GetResourcesCommand).callsFake(
    answer('tag:GetResources', (input: { TagFilters?: TagFilter[]; PaginationToken?: string }) => {
      const matching = model
        .all()
        .filter((r) => r.taggable && (input.TagFilters ?? []).every((f) => tagMatches(r, f)));
      const start = Number(input.PaginationToken || '0');
      const next = start + TAGGING_PAGE;
      return {
        ResourceTagMappingList: matching
          .slice(start, next)
          .map((r) => ({ ResourceARN: r.arn, Tags: tagList(r) })),
        PaginationToken: next < matching.length ? String(next) : '',
      };
    }),
  );

  // The region's zones as an account sees them: names map to IDs out of order, use1-az3 (which EKS refuses) is one of
  // them, and a local zone needing opt-in is listed too.
  stubs.ec2.on(DescribeAvailabilityZonesCommand).callsFake(
    answer('ec2:DescribeAvailabilityZones', () => ({
      AvailabilityZones: [
        ...['az2', 'az3', 'az1', 'az4', 'az6', 'az5'].map((id, i) => ({
          ZoneName: `${REGION}${'abcdef'[i]}`,
          ZoneId: `use1-${id}`,
          ZoneType: 'availability-zone',
          State: 'available' as const,
          OptInStatus: 'opt-in-not-required' as const,
        })),
        {
          ZoneName: `${REGION}-bos-1a`,
          ZoneId: 'use1-bos1-az1',
          ZoneType: 'local-zone',
          State: 'available' as const,
          OptInStatus: 'not-opted-in' as const,
        },
      ],
    })),
  );

  // EKS's versions as its calendar has them, with today's status.
  stubs.eks.on(DescribeClusterVersionsCommand).callsFake(
    answer('eks:DescribeClusterVersions', () => ({
      clusterVersions: EKS_VERSIONS.filter((v) => dayStart(v.endOfExtendedSupport) > Date.now()).map((v) => ({
        clusterVersion: v.version,
        clusterType: 'eks',
        releaseDate: new Date(dayStart(v.released)),
        endOfStandardSupportDate: new Date(dayStart(v.endOfStandardSupport)),
        endOfExtendedSupportDate: new Date(dayStart(v.endOfExtendedSupport)),
        versionStatus:
          dayStart(v.endOfStandardSupport) > Date.now()
            ? ('STANDARD_SUPPORT' as const)
            : ('EXTENDED_SUPPORT' as const),
      })),
    })),
  );

  stubs.eks.on(DescribeClusterCommand).callsFake(
    answer('eks:DescribeCluster', (input: { name: string }) => {
      const cluster = model.get(input.name);
      if (cluster?.type !== 'aws_eks_cluster')
        throw awsError('ResourceNotFoundException', `No cluster found for name: ${input.name}.`, 404);
      return {
        cluster: {
          name: input.name,
          status: 'ACTIVE',
          endpoint: `https://${input.name}.eks.example`,
          certificateAuthority: { data: 'Y2VydA==' },
          resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true },
        },
      };
    }),
  );

  // SSM Run Command on the lab client: the model's clientShell answers each script at once.
  const commands = new Map<string, string>();
  stubs.ssm.on(SendCommandCommand).callsFake(
    answer('ssm:SendCommand', (input: { Parameters: { commands: string[] } }) => {
      const id = `cmd-${commands.size + 1}`;
      commands.set(id, input.Parameters.commands[0] ?? '');
      return { Command: { CommandId: id } };
    }),
  );
  stubs.ssm.on(GetCommandInvocationCommand).callsFake(
    answer('ssm:GetCommandInvocation', (input: { CommandId: string }) => {
      const result = model.clientShell(commands.get(input.CommandId) ?? '');
      if (!result) return { Status: 'InProgress' };
      return {
        Status: result.exitCode === 0 ? 'Success' : 'Failed',
        ResponseCode: result.exitCode,
        StandardOutputContent: result.stdout,
        StandardErrorContent: '',
      };
    }),
  );
  stubs.ssm.on(CancelCommandCommand).callsFake(answer('ssm:CancelCommand', () => ({})));

  const bucket = <I, O>(action: string, body: (input: I) => O) =>
    answer(action, (input: I) => {
      if (model.killed) throw new Error('the tslab process was killed: nothing it sends arrives');
      return body(input);
    });
  // ETags as the bucket gives them: a new one for every write, whether it came through the SDK or straight into the
  // model (the fake terraform writes its state and lock objects there).
  const etags = new Map<string, { body: string; etag: string }>();
  let writes = 0;
  const stamp = (key: string, body: string): string => {
    const etag = `"${(++writes).toString(16).padStart(32, '0')}"`;
    etags.set(key, { body, etag });
    return etag;
  };
  const etagOf = (key: string): string | undefined => {
    const body = model.objects.get(key);
    if (body === undefined) return undefined;
    const known = etags.get(key);
    return known?.body === body ? known.etag : stamp(key, body);
  };
  const preconditionFailed = () =>
    awsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412);
  stubs.s3.on(GetObjectCommand).callsFake(
    bucket('s3:GetObject', (input: { Key: string }) => {
      const body = model.objects.get(input.Key);
      if (body === undefined) {
        throw new NoSuchKey({
          message: 'The specified key does not exist.',
          $metadata: { httpStatusCode: 404 },
        });
      }
      return { Body: { transformToString: async () => body }, ETag: etagOf(input.Key) };
    }),
  );
  // Conditional writes (what S3RunLocks and terraform's S3 lock rely on): `IfNoneMatch: '*'` only creates,
  // `IfMatch` only replaces the version of that ETag.
  stubs.s3.on(PutObjectCommand).callsFake(
    bucket('s3:PutObject', (input: { Key: string; Body: string; IfNoneMatch?: string; IfMatch?: string }) => {
      const current = etagOf(input.Key);
      if (input.IfNoneMatch === '*' && current !== undefined) throw preconditionFailed();
      if (input.IfMatch !== undefined && input.IfMatch !== current) throw preconditionFailed();
      const body = String(input.Body);
      model.objects.set(input.Key, body);
      return { ETag: stamp(input.Key, body) };
    }),
  );
  stubs.s3.on(DeleteObjectCommand).callsFake(
    bucket('s3:DeleteObject', (input: { Key: string }) => {
      model.objects.delete(input.Key);
      return {};
    }),
  );
  stubs.s3.on(ListObjectsV2Command).callsFake(
    bucket('s3:ListObjectsV2', (input: { Prefix?: string }) => ({
      Contents: [...model.objects.keys()]
        .filter((key) => key.startsWith(input.Prefix ?? ''))
        .map((Key) => ({ Key })),
      IsTruncated: false,
    })),
  );

  return {
    clients,
    stubs: stubs as unknown as MockedAws['stubs'],
    restore: () => Object.values(stubs).forEach((stub) => stub.restore()),
  };
}

function select(model: CloudModel, types: string | string[], filters: Filter[] = []): CloudResource[] {
  const wanted = Array.isArray(types) ? types : [types];
  return model.all().filter((r) => wanted.includes(r.type) && filters.every((f) => filterMatches(r, f)));
}

/** The EC2 filters tslab sends; anything else fails the test instead of matching silently. */
function filterMatches(resource: CloudResource, filter: Filter): boolean {
  const values = filter.Values ?? [];
  const name = filter.Name ?? '';
  if (name === 'vpc-id') return values.includes(resource.vpcId ?? '');
  if (name === 'status') return values.includes(resource.status ?? '');
  if (name === 'instance-state-name') return values.includes('running');
  if (name === 'tag-key') return values.some((key) => key in resource.tags);
  const tag = /^tag:(.+)$/.exec(name)?.[1];
  if (tag !== undefined) return values.includes(resource.tags[tag] ?? '\0');
  throw new Error(`the cloud model does not know the EC2 filter '${name}'`);
}

function tagMatches(resource: CloudResource, filter: TagFilter): boolean {
  const value = resource.tags[filter.Key ?? ''];
  return value !== undefined && (!filter.Values?.length || filter.Values.includes(value));
}

function existing(model: CloudModel, id: string, notFound: string): CloudResource {
  const resource = model.get(id);
  if (!resource) throw awsError(notFound, `${id} does not exist`);
  return resource;
}

function tagList(resource: CloudResource): { Key: string; Value: string }[] {
  return Object.entries(resource.tags).map(([Key, Value]) => ({ Key, Value }));
}
