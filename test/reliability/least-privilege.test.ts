// Promise 6: least privilege. The IAM policy the docs ship grants exactly what tslab's own AWS calls need (recorded
// from the mocks while a lab is provisioned, validated, swept, torn down and checked by the doctor) plus what
// Terraform needs for the resources the synthesized stacks declare (a table kept here, one entry per resource type);
// workflow jobs hold only the permissions their steps use; the tailnet policy grants only the lab's ports.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { GetBucketVersioningCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { ADMINS, buildTailnetPolicy, CI_RUNNER_TAG, slotView } from '../../infra/manifests/tailnet-policy.ts';
import { runOnInstance } from '../../src/clients/aws/ssm-runner.ts';
import { resolveLab } from '../../src/lab/config.ts';
import { runDoctor } from '../../src/doctor/doctor.ts';
import { sweepExpiredLabs } from '../../src/sweep/sweep-labs.ts';
import { synthLab } from '../../src/targets/synth-lab.ts';
import { validateAwsLab } from '../../src/targets/aws/validate.ts';
import { sentActions } from './support/aws-mocks.ts';
import { BUCKET, REGION } from './support/cloud-model.ts';
import { Figures } from './support/figures.ts';
import { LabWorld } from './support/lab-world.ts';
import { TERRAFORM_IAM } from './support/terraform-iam.ts';

// SSM's polling does not really wait (the retry helper's clock).
vi.mock('../../src/util/retry.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/util/retry.ts')>()),
  sleep: () => new Promise<void>((resolve) => setImmediate(resolve)),
}));

const POLICY_FILE = 'docs/iam/tslab-lab-policy.json';
/**
 * Granted by the shipped policy though nothing recorded or mapped here uses it: to be removed from the policy (this
 * list then shrinks with it). A new unexplained grant fails the test.
 */
const GRANTED_WITHOUT_KNOWN_USE = ['eks:ListClusters'];
const figures = new Figures('least privilege');
afterAll(() => figures.print());

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** Every AWS call tslab itself makes, as IAM actions, from a lab's whole life over the mocks. */
async function recordTslabCalls(): Promise<{ actions: Set<string>; leftoverDeletes: Set<string> }> {
  const world = await LabWorld.start();
  const actions = new Set<string>();
  try {
    const lab = world.lab('iam', {
      createdAt: new Date(Date.now() - 10 * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
      ttlHours: 4,
    });
    await world.provision(lab);
    await validateAwsLab(
      lab,
      { aws: world.aws.clients, tailscale: world.tailscale, connectCluster: world.services().connectCluster },
      { timeoutMs: 2_000 },
    );
    // A probe that outlives its deadline is cancelled on the instance.
    world.model.clientShell = () => undefined;
    const instance = world.model.all().find((r) => r.type === 'aws_instance' && r.owner === lab.id)!;
    await runOnInstance(world.aws.clients.ssm, instance.id, 'sleep 60', { timeoutMs: 1, pollMs: 1 }).catch(
      () => undefined,
    );
    // The sweeper finds the expired lab and tears it down (ENIs, load balancer and security group included).
    await sweepExpiredLabs({
      ...world.sweepDeps(),
      dryRun: false,
      now: new Date(),
      tailscale: world.tailscale,
    });
    expect(world.leftOf(lab.id).resources).toEqual([]);
    for (const action of sentActions(world.aws)) actions.add(action);
    const leftoverDeletes = new Set(
      sentActions(world.aws).filter((a) => /:Delete(NetworkInterface|SecurityGroup|LoadBalancer)$/.test(a)),
    );

    // The doctor, with its own clients.
    const sts = new STSClient({ region: REGION, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const s3 = new S3Client({ region: REGION, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const stsMock = mockClient(sts);
    const s3Mock = mockClient(s3);
    stsMock
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '123456789012', Arn: 'arn:aws:sts::123456789012:assumed-role/github-tslab/x' });
    s3Mock.on(HeadBucketCommand).resolves({ BucketRegion: REGION });
    s3Mock.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' });
    await runDoctor({
      lab,
      sts,
      s3,
      tailscale: world.tailscale,
      env: {},
      engineVersionJson: async () => '{"terraform_version":"1.13.3"}',
    });
    for (const call of stsMock.calls())
      actions.add(`sts:${(call.args[0] as object).constructor.name.replace(/Command$/, '')}`);
    for (const call of s3Mock.calls()) {
      const command = (call.args[0] as object).constructor.name.replace(/Command$/, '');
      // HeadBucket is authorized as s3:ListBucket.
      actions.add(command === 'HeadBucket' ? 's3:ListBucket' : `s3:${command}`);
    }
    return { actions, leftoverDeletes };
  } finally {
    await world.close();
  }
}

/** Resource and data source types of every stack, over the lab's variants. */
function synthesizedTypes(outdir: string): Set<string> {
  const types = new Set<string>(['backend s3', 'provider aws']);
  const variants = [{ lab: 'iam-a' }, { lab: 'iam-b', natMode: 'instance' as const, egressProxyGroup: true }];
  for (const input of variants) {
    for (const stack of synthLab(
      resolveLab({ ...input, region: REGION, stateBucket: BUCKET }),
      join(outdir, input.lab),
    ).stacks) {
      const json = JSON.parse(readFileSync(join(stack.workingDirectory, 'cdk.tf.json'), 'utf8')) as {
        resource?: Record<string, unknown>;
        data?: Record<string, unknown>;
      };
      for (const type of Object.keys(json.resource ?? {})) types.add(type);
      for (const type of Object.keys(json.data ?? {})) types.add(`data ${type}`);
    }
  }
  return types;
}

describe('the IAM policy the docs ship', () => {
  let policy: Statement[] | undefined;
  let recorded: Awaited<ReturnType<typeof recordTslabCalls>>;
  let types: Set<string>;
  let outdir: string;

  beforeAll(async () => {
    policy = (JSON.parse(readFileSync(POLICY_FILE, 'utf8')) as { Statement: Statement[] }).Statement;
    recorded = await recordTslabCalls();
    outdir = mkdtempSync(join(tmpdir(), 'tslab-iam-'));
    types = synthesizedTypes(outdir);
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('exists (docs/iam/tslab-lab-policy.json)', () => {
    expect(policy!.every((s) => s.Effect === 'Allow')).toBe(true);
  });

  it('knows what Terraform needs for every resource type the stacks declare', () => {
    const unknown = [...types].filter((type) => !(type in TERRAFORM_IAM));
    expect(unknown, 'add these types to test/reliability/support/terraform-iam.ts').toEqual([]);
    figures.add('resource and data types mapped', types.size);
  });

  it('grants every action tslab calls and Terraform needs, and nothing else', () => {
    const granted = new Set(policy!.flatMap(actionsOf));
    const required = new Set([
      ...recorded.actions,
      ...[...types].flatMap((t) => TERRAFORM_IAM[t]?.required ?? []),
    ]);
    const justified = new Set([...required, ...[...types].flatMap((t) => TERRAFORM_IAM[t]?.mayUse ?? [])]);

    expect(
      [...granted].filter((a) => a.includes('*')),
      'wildcard actions',
    ).toEqual([]);
    expect([...required].filter((a) => !granted.has(a)).sort(), 'needed but not granted').toEqual([]);
    expect([...granted].filter((a) => !justified.has(a)).sort(), 'granted but needed by nothing').toEqual(
      GRANTED_WITHOUT_KNOWN_USE,
    );
    figures.add('tslab SDK actions recorded', recorded.actions.size);
    figures.add('actions required', required.size);
    console.log(`[reliability] tslab's own AWS calls: ${[...recorded.actions].sort().join(' ')}`);
    figures.add('actions granted', granted.size);
  });

  it('lets teardown delete the leftovers Kubernetes made, which carry no tslab tag', () => {
    expect(recorded.leftoverDeletes.size).toBe(3);
    for (const action of recorded.leftoverDeletes) {
      const untagged = policy!.some(
        (s) =>
          actionsOf(s).includes(action) &&
          !JSON.stringify(s.Condition ?? {}).includes('aws:ResourceTag/tslab:lab'),
      );
      expect(untagged, `${action} is granted only for resources tagged tslab:lab`).toBe(true);
    }
  });
});

describe('workflow permissions', () => {
  type Permissions = Record<string, string>;
  interface Job {
    uses?: string;
    permissions?: Permissions | string;
    steps?: { uses?: string; run?: string; with?: Record<string, unknown> }[];
  }
  interface Workflow {
    permissions?: Permissions | string;
    jobs: Record<string, Job>;
  }
  const dir = '.github/workflows';
  const workflows = Object.fromEntries(
    readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => [f, parse(readFileSync(join(dir, f), 'utf8')) as Workflow]),
  );

  /** What a job's steps use: OIDC for AWS, PR comments and deployments for the PR environment. */
  function needs(job: Job): Permissions {
    if (job.uses) {
      const called = workflows[job.uses.replace('./.github/workflows/', '')];
      return Object.assign({ contents: 'read' }, ...Object.values(called?.jobs ?? {}).map(needs));
    }
    const wanted: Permissions = { contents: 'read' };
    for (const step of job.steps ?? []) {
      if (step.uses?.startsWith('aws-actions/configure-aws-credentials')) wanted['id-token'] = 'write';
      const comments =
        ((step.uses === './actions/validate' || step.uses === './actions/provision') &&
          String(step.with?.['comment-on-pr']) === 'true') ||
        step.run?.includes('close-pr-environment') ||
        step.run?.includes('report-provision') ||
        step.run?.includes('report-validation');
      if (comments) Object.assign(wanted, { 'pull-requests': 'write', deployments: 'write' });
      // Provision and teardown ask GitHub whether the run holding a lab's lock has ended; a sweep also whether a pr-N
      // lab's pull request is closed.
      if (step.uses === './actions/teardown' || step.uses === './actions/provision') {
        wanted['actions'] = 'read';
        if (step.with?.['mode'] === 'sweep') wanted['pull-requests'] ??= 'read';
      }
      // The PR gate reads the pull request's state and labels.
      if (step.run?.includes('gh api "repos/$GH_REPO/pulls/')) wanted['pull-requests'] ??= 'read';
      // Pushing the release tags and creating the GitHub release (release.yml) writes contents.
      if (step.run?.includes('gh release create')) wanted['contents'] = 'write';
      // Pushing a branch and opening a pull request with the refreshed pins (refresh-pins.yml).
      if (step.run?.includes('gh pr create'))
        Object.assign(wanted, { contents: 'write', 'pull-requests': 'write' });
    }
    return wanted;
  }

  it('the top level grants at most contents: read', () => {
    for (const [file, workflow] of Object.entries(workflows)) {
      expect(workflow.permissions, file).toEqual({ contents: 'read' });
    }
  });

  it('each job holds exactly what its steps use', () => {
    let jobs = 0;
    for (const [file, workflow] of Object.entries(workflows)) {
      for (const [name, job] of Object.entries(workflow.jobs)) {
        const effective = job.permissions ?? workflow.permissions;
        expect(typeof effective, `${file} ${name}: write-all/read-all`).toBe('object');
        expect(effective, `${file} ${name}`).toEqual(needs(job));
        jobs++;
      }
    }
    figures.add('workflow jobs checked', jobs);
  });
});

describe('tailnet grants', () => {
  const policy = buildTailnetPolicy();
  /** Who may reach what on which port, and why: the two scenarios, the CI runner's control path, admin SSH. */
  const ALLOWED: { src: string; ip: string[]; why: string }[] = [
    {
      src: 'slot',
      ip: ['tcp:80'],
      why: 'scenario 1 (nginx through the Connector) and 2 (egress to the client nginx)',
    },
    { src: 'slot', ip: ['udp:53', 'tcp:53'], why: "split DNS to the slot's kube-dns" },
    { src: 'slot', ip: ['tcp:5201'], why: 'the data-plane measurement (iperf3), both scenarios' },
    { src: CI_RUNNER_TAG, ip: ['tcp:443'], why: 'the private EKS endpoint, through the client routes' },
    { src: CI_RUNNER_TAG, ip: ['udp:53', 'tcp:53'], why: 'the VPC resolver and kube-dns' },
    { src: CI_RUNNER_TAG, ip: ['tcp:80'], why: 'validation over HTTP' },
    { src: ADMINS, ip: ['tcp:22'], why: 'SSH to the lab client, after a check' },
  ];

  it('grants only the ports of the scenarios and their control paths, never a wildcard', () => {
    for (const grant of policy.grants) {
      expect(JSON.stringify(grant), 'wildcard').not.toMatch(/"\*"|:\*"/);
      const src =
        grant.src.length === 1 && /^tag:tslab-s\d+$/.test(grant.src[0]!) ? 'slot' : grant.src.join(',');
      const match = ALLOWED.find((a) => a.src === src && JSON.stringify(a.ip) === JSON.stringify(grant.ip));
      expect(match, `grant ${JSON.stringify(grant)}`).toBeDefined();
    }
    const ports = new Set(policy.grants.flatMap((g) => g.ip));
    expect([...ports].sort()).toEqual(['tcp:22', 'tcp:443', 'tcp:5201', 'tcp:53', 'tcp:80', 'udp:53']);
    figures.add('tailnet grants checked', policy.grants.length);
  });

  it("keeps each slot to its own ranges: a slot's devices reach nothing of another slot", () => {
    const slotGrants = policy.grants.filter((g) => /^tag:tslab-s\d+$/.test(g.src[0] ?? ''));
    for (const grant of slotGrants) {
      const view = slotView(Number(grant.src[0]!.slice('tag:tslab-s'.length)));
      const own = [view.slotTag, view.vpcCidr, view.serviceCidr, view.kubeDnsCidr, ...view.podSubnets];
      expect(
        grant.dst.filter((d) => !own.includes(d)),
        JSON.stringify(grant),
      ).toEqual([]);
    }
    expect(slotGrants.length).toBeGreaterThan(0);
  });
});
