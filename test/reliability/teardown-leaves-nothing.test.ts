// Promise 1: whatever state provision died in, teardown from the lab id alone leaves nothing of the lab (AWS resources,
// tailnet devices, split DNS, records in the state bucket), touches nothing else, and a second teardown is a no-op.
// Provision runs against the cloud model (support/lab-world.ts) with one fault injected per case.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StackError } from '../../src/engine/lifecycle.ts';
import { S3LabStore } from '../../src/engine/lab-stores.ts';
import { StateLockedError, TerraformError } from '../../src/engine/terraform.ts';
import { AWS_STACKS } from '../../src/lab/stack-contract.ts';
import { RouterNotReady } from '../../src/targets/aws/wait-for-router.ts';
import { synthLab } from '../../src/targets/synth-lab.ts';
import { TeardownIncompleteError } from '../../src/targets/aws/incomplete.ts';
import { BUCKET } from './support/cloud-model.ts';
import type { TerraformFault } from './support/fake-terraform.ts';
import { Figures } from './support/figures.ts';
import { LabWorld, type ClientJoin } from './support/lab-world.ts';

const figures = new Figures('teardown leaves nothing');
let world: LabWorld;
/** Resources per stack, from a real synth: faults land half-way through each stack. */
const sizes: Record<string, number> = {};

beforeAll(async () => {
  const probe = await LabWorld.start();
  try {
    for (const stack of synthLab(probe.lab('sizes'), join(probe.outdir, 'sizes')).stacks) {
      const json = JSON.parse(readFileSync(join(stack.workingDirectory, 'cdk.tf.json'), 'utf8')) as {
        resource: Record<string, object>;
      };
      sizes[stack.id] = Object.values(json.resource).reduce((n, byName) => n + Object.keys(byName).length, 0);
    }
  } finally {
    await probe.close();
  }
});
afterEach(async () => world?.close());
afterAll(() => figures.print());

/** What a no-op must leave unchanged: the cloud, the bucket, the tailnet and terraform's runs that change things. */
function snapshot(w: LabWorld) {
  return {
    resources: JSON.stringify(w.model.all()),
    objects: JSON.stringify([...w.model.objects]),
    tailnetChanges: w.api.requests.filter((r) => r.method !== 'GET' && !r.path.includes('oauth')).length,
    terraformChanges: w.terraform.calls.filter((c) => c.command === 'apply' || c.command === 'destroy')
      .length,
  };
}

interface Case {
  name: string;
  fault?: TerraformFault;
  clientJoin?: ClientJoin;
  /** How provision ends, and the status the manifest is left with for the stack that broke. */
  expectFailure?: (error: unknown) => void;
  brokenStack?: { id: string; status: 'failed' | 'applying' };
}

const half = (stack: string) => Math.floor((sizes[stack] ?? 2) / 2);

function cases(): Case[] {
  return [
    ...AWS_STACKS.map((stack): Case => ({
      name: `apply fails in stack ${stack} after half its resources`,
      fault: { kind: 'fail', stack, operation: 'apply', after: half(stack) },
      expectFailure: (error) => {
        expect(error).toBeInstanceOf(StackError);
        expect((error as StackError).stackId).toBe(stack);
      },
      brokenStack: { id: stack, status: 'failed' },
    })),
    ...AWS_STACKS.map((stack): Case => ({
      name: `the process is killed mid-apply of stack ${stack}`,
      fault: { kind: 'kill', stack, after: half(stack) },
      expectFailure: (error) => expect((error as StackError).cause).toBeInstanceOf(TerraformError),
      // Killed: nobody lived to record the failure.
      brokenStack: { id: stack, status: 'applying' },
    })),
    {
      name: 'the client router never joins the tailnet',
      clientJoin: 'never',
      expectFailure: (error) => {
        expect(error).toBeInstanceOf(RouterNotReady);
        expect((error as Error).message).toContain('has not joined yet');
      },
    },
    {
      name: "the client router's routes are never approved",
      clientJoin: 'routes-unapproved',
      expectFailure: (error) => expect((error as Error).message).toMatch(/are not approved .*autoApprover/),
    },
    { name: 'provision completes' },
  ];
}

describe('teardown from the lab id alone leaves nothing, whatever provision left', () => {
  it.each(cases().map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    world = await LabWorld.start(c.clientJoin ? { clientJoin: c.clientJoin } : {});
    const lab = world.lab('crash');
    const strangers = [
      world.addStranger('tslab-crash-2-client', ['tag:tslab-client']),
      world.addStranger('tslab-crashed-router', ['tag:k8s']),
      world.addStranger('my-laptop'),
    ];
    if (c.fault) world.terraform.faults.push(c.fault);

    const provision = world.provision(lab);
    if (c.expectFailure) {
      const error = await provision.catch((e: unknown) => e);
      c.expectFailure(error);
      figures.add('provision and lock faults injected');
    } else {
      await provision;
    }
    if (c.fault) expect(world.terraform.fired).toEqual([c.fault]);
    if (c.brokenStack) {
      world.model.killed = false;
      const manifest = await new S3LabStore(world.aws.clients.s3, BUCKET).read(lab.id);
      expect(manifest?.stacks[c.brokenStack.id]?.status).toBe(c.brokenStack.status);
    }
    // Something of the lab exists, or the case would prove nothing.
    expect(world.leftOf(lab.id).resources.length).toBeGreaterThan(0);

    const report = await world.teardown(lab.id);
    expect(report.remaining).toEqual([]);
    expect(world.leftOf(lab.id)).toEqual({ resources: [], devices: [], splitDns: [], records: [] });
    expect(strangers.every((id) => world.hasDevice(id))).toBe(true);

    const before = snapshot(world);
    const again = await world.teardown(lab.id);
    expect(again.destroy.nothingToDo).toBe(true);
    expect([again.devices, again.leftovers, again.inCluster]).toEqual([[], [], []]);
    expect(snapshot(world)).toEqual(before);
    figures.add('labs left with nothing after teardown');
  });

  it('a held state lock stops teardown with the holder named; the rerun after its release removes everything', async () => {
    world = await LabWorld.start();
    const lab = world.lab('locked');
    await world.provision(lab);
    world.terraform.faults.push({ kind: 'lock', stack: 'cluster', operation: 'destroy', attempts: 1 });
    figures.add('provision and lock faults injected');

    const error = await world.teardown(lab.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeardownIncompleteError);
    const lockError = ((error as Error).cause as StackError).cause;
    expect(lockError).toBeInstanceOf(StateLockedError);
    expect((error as Error).message).toContain('locked by runner@fv-az42-provision');
    expect((error as Error).message).toContain('force-unlock 5d4f7a2e-1c3b-4e5f-8a9b-0c1d2e3f4a5b');
    expect((error as Error).message).toMatch(/stacks with resources: .*cluster \(failed\)/);
    // Stopped at the lock: what the cluster needs (the network) is untouched.
    expect(world.leftOf(lab.id).resources.some((r) => r.startsWith('aws_vpc '))).toBe(true);

    await world.teardown(lab.id);
    expect(world.leftOf(lab.id)).toEqual({ resources: [], devices: [], splitDns: [], records: [] });
    figures.add('labs left with nothing after teardown');
  });

  it('with the cluster API out of reach, teardown forgets the in-cluster releases and still removes everything', async () => {
    world = await LabWorld.start();
    const lab = world.lab('offnet');
    await world.provision(lab);
    world.apiUnreachable = true; // the runner is off the tailnet, or the client router is gone
    const report = await world.teardown(lab.id);
    expect(world.leftOf(lab.id)).toEqual({ resources: [], devices: [], splitDns: [], records: [] });
    const forgotten = world.terraform.calls.find((c) => c.command === 'state rm');
    expect(forgotten).toMatchObject({
      stack: 'workloads',
      addresses: ['helm_release.operator', 'helm_release.lab'],
    });
    expect(
      world.terraform.calls.find((c) => c.command === 'destroy' && c.stack === 'workloads'),
    ).toMatchObject({
      refresh: false,
    });
    expect(report.warnings.join('\n')).toMatch(/cluster API was out of reach/);
    figures.add('provision and lock faults injected');
    figures.add('labs left with nothing after teardown');
  });

  it('a resource terraform never recorded (killed between create and state write) is reported, not hidden', async () => {
    world = await LabWorld.start();
    const lab = world.lab('orphan');
    await world.provision(lab);
    // An instance created by a run that died before its state write: terraform cannot know it.
    world.model.add({
      id: 'i-orphan',
      type: 'aws_instance',
      owner: lab.id,
      createdBy: 'terraform',
      tags: { ...lab.tags },
      taggable: true,
    });
    const report = await world.teardown(lab.id);
    expect(report.remaining).toEqual([expect.stringContaining('i-orphan')]);
    figures.add('unrecorded resources reported');
    expect(report.warnings.join('\n')).toContain(
      `aws resourcegroupstaggingapi get-resources --tag-filters Key=tslab:lab,Values=${lab.id}`,
    );
  });
});
