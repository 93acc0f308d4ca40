// Promise 1, continued: throttling (EC2 ThrottlingException, Tailscale 429 with Retry-After), 5xx and
// DependencyViolation during teardown are retried with bounded backoff; a failure that does not pass is reported with
// what is left and how to remove it, and the rerun after it finishes the job.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AWS_ATTEMPTS, AWS_BACKOFF_BASE_MS } from '../../src/targets/aws/teardown.ts';
import { TeardownIncompleteError } from '../../src/targets/aws/incomplete.ts';
import { sentActions } from './support/aws-mocks.ts';
import { awsError } from './support/cloud-model.ts';
import { Figures } from './support/figures.ts';
import { LabWorld } from './support/lab-world.ts';

const figures = new Figures('teardown retries transient faults');
let world: LabWorld;

afterEach(async () => world?.close());
afterAll(() => figures.print());

const NOTHING = { resources: [], devices: [], splitDns: [], records: [] };

/** A provisioned lab, and a marker of where teardown's own sleeps and calls start. */
async function provisioned(id: string) {
  world = await LabWorld.start();
  const lab = world.lab(id);
  await world.provision(lab);
  return { lab, sleepsFrom: world.sleeps.length, tailscaleSleepsFrom: world.tailscaleSleeps.length };
}

function calls(action: string): number {
  return sentActions(world.aws).filter((a) => a === action).length;
}

/** Full-jitter backoff: attempt n waits less than base × 2^(n-1), never more than the cap. */
function expectBackoff(sleeps: number[], baseMs: number, capMs = 30_000): void {
  sleeps.forEach((ms, i) => {
    expect(ms).toBeGreaterThanOrEqual(0);
    expect(ms).toBeLessThan(Math.min(capMs, baseMs * 2 ** i));
  });
}

/** Faults for the Tailscale API once the stacks are gone, i.e. for the device removal at the very end. */
function onceNetworkDestroyed(inject: () => void): void {
  world.terraform.after = (call) => {
    if (call.command === 'destroy' && call.stack === 'network') inject();
  };
}

describe('teardown retries what passes, with bounded backoff', () => {
  it('EC2 throttling while removing leftovers is retried, then everything goes', async () => {
    const { lab, sleepsFrom } = await provisioned('throttled');
    world.model.failNext('ec2:DescribeNetworkInterfaces', 2, () =>
      awsError('ThrottlingException', 'Rate exceeded'),
    );
    figures.add('transient faults injected', 2);

    const report = await world.teardown(lab.id);

    // One attempt per fault plus the one that passed; each attempt starts again from the lab's VPC.
    expect(calls('ec2:DescribeNetworkInterfaces')).toBe(3);
    expect(calls('ec2:DescribeVpcs')).toBe(3);
    const sleeps = world.sleeps.slice(sleepsFrom);
    expect(sleeps).toHaveLength(2);
    expectBackoff(sleeps, AWS_BACKOFF_BASE_MS);
    expect(world.log.join('\n')).toContain(`attempt 2 of ${AWS_ATTEMPTS} failed: Rate exceeded`);
    expect(report.leftovers.map((l) => l.kind).sort()).toEqual([
      'load-balancer',
      'network-interface',
      'network-interface',
      'security-group',
    ]);
    expect(world.leftOf(lab.id)).toEqual(NOTHING);
    figures.add('transient faults survived', 2);
  });

  it('DependencyViolation on the security group (its load balancer ENIs still draining) is retried', async () => {
    const { lab, sleepsFrom } = await provisioned('draining');
    // EC2's own wording: the code is DependencyViolation, the message says nothing of it.
    world.model.failNext('ec2:DeleteSecurityGroup', 3, () =>
      awsError('DependencyViolation', 'resource sg-0abc has a dependent object'),
    );
    figures.add('transient faults injected', 3);

    await world.teardown(lab.id);

    expect(calls('ec2:DeleteSecurityGroup')).toBe(4);
    const sleeps = world.sleeps.slice(sleepsFrom);
    expect(sleeps).toHaveLength(3);
    expectBackoff(sleeps, AWS_BACKOFF_BASE_MS);
    expect(world.leftOf(lab.id)).toEqual(NOTHING);
    figures.add('transient faults survived', 3);
  });

  it('Tailscale 429 is retried after exactly the Retry-After it asked for', async () => {
    const { lab, tailscaleSleepsFrom } = await provisioned('limited');
    onceNetworkDestroyed(() => world.api.failNext(2, { status: 429, retryAfterSeconds: 7 }));
    figures.add('transient faults injected', 2);

    await world.teardown(lab.id);

    expect(world.tailscaleSleeps.slice(tailscaleSleepsFrom)).toEqual([7_000, 7_000]);
    expect(world.api.requests.filter((r) => r.status === 429)).toHaveLength(2);
    expect(world.leftOf(lab.id)).toEqual(NOTHING);
    figures.add('transient faults survived', 2);
  });

  it('Tailscale 5xx is retried with backoff', async () => {
    const { lab, tailscaleSleepsFrom } = await provisioned('flaky');
    onceNetworkDestroyed(() => {
      world.api.failNext(1, { status: 500 });
      world.api.failNext(1, { status: 502 });
      world.api.failNext(1, { status: 503 });
    });
    figures.add('transient faults injected', 3);

    await world.teardown(lab.id);

    const sleeps = world.tailscaleSleeps.slice(tailscaleSleepsFrom);
    expect(sleeps).toHaveLength(3);
    expectBackoff(sleeps, 500);
    expect(world.leftOf(lab.id)).toEqual(NOTHING);
    figures.add('transient faults survived', 3);
  });
});

describe('a failure that does not pass is reported with what is left and how to remove it', () => {
  it('a security group held by something outside the lab: bounded attempts, then the report; the rerun finishes', async () => {
    const { lab, sleepsFrom } = await provisioned('stuck');
    world.model.failNext('ec2:DeleteSecurityGroup', AWS_ATTEMPTS, () =>
      awsError('DependencyViolation', 'resource sg-0abc has a dependent object'),
    );
    figures.add('permanent faults injected', AWS_ATTEMPTS);

    const error = await world.teardown(lab.id).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TeardownIncompleteError);
    expect(calls('ec2:DeleteSecurityGroup')).toBe(AWS_ATTEMPTS);
    expect(world.sleeps.slice(sleepsFrom)).toHaveLength(AWS_ATTEMPTS - 1);
    const message = (error as Error).message;
    const group = world.model.all().find((r) => r.type === 'security-group' && r.owner === lab.id)!;
    expect(message).toContain(
      `teardown of lab '${lab.id}' did not finish: Stack 'network' failed to destroy`,
    );
    expect(message).toContain('has a dependent object');
    expect(message).toMatch(/stacks with resources: network \(failed\)/);
    expect(message).toContain(`resources in the lab VPC that block its deletion: security-group ${group.id}`);
    expect(message).toMatch(/tailnet devices: .*tslab-stuck-client.*tslab-stuck-operator/);
    expect(message).toMatch(/AWS resources tagged tslab:lab=stuck: arn:aws:ec2:.*vpc\//);
    expect(message).toContain(
      'tslab teardown --target aws --lab stuck --region us-east-1 --state-bucket tslab-state, or the teardown action with lab: stuck',
    );
    expect(message).toContain(
      'aws resourcegroupstaggingapi get-resources --region us-east-1 --tag-filters Key=tslab:lab,Values=stuck',
    );

    await world.teardown(lab.id);
    expect(world.leftOf(lab.id)).toEqual(NOTHING);
    figures.add('permanent failures reported', 1);
  });

  it('a Tailscale API down for good: the devices are reported as unknown; the rerun removes them', async () => {
    const { lab } = await provisioned('offline');
    // Five attempts for the removal's list, five for the report's.
    onceNetworkDestroyed(() => world.api.failNext(10, { status: 503 }));
    figures.add('permanent faults injected', 10);

    const error = await world.teardown(lab.id).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TeardownIncompleteError);
    const message = (error as Error).message;
    expect(message).toMatch(/Tailscale API GET \/api\/v2\/tailnet\/-\/devices\S* failed \(HTTP 503\)/);
    expect(message).toContain('stacks with resources: none');
    expect(message).toContain('tailnet devices: unknown (could not list them)');
    expect(message).toContain('machines named tslab-offline-* in the Tailscale admin console');
    expect(world.leftOf(lab.id).devices.length).toBeGreaterThan(0);

    world.terraform.after = undefined;
    const rerun = await world.teardown(lab.id);
    expect(rerun.devices.map((d) => d.hostname).sort()).toEqual([
      'tslab-offline-client',
      'tslab-offline-operator',
    ]);
    expect(world.leftOf(lab.id)).toEqual(NOTHING);
    figures.add('permanent failures reported', 1);
  });
});
