// docs/setup.md and docs/iam/tslab-lab-policy.json against what the workflows and the infrastructure really use:
// every secret and variable a workflow reads is documented, the trust policies name the subjects the workflows
// produce, and the permissions policy stays least-privilege.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPERATOR_OAUTH_SCOPES, CI_OAUTH_SCOPES } from '../../infra/stacks/tailnet-policy-stack.ts';
import { CI_RUNNER_TAG } from '../../infra/manifests/tailnet-policy.ts';
import {
  contextReads,
  expressionsIn,
  loadWorkflows,
  REPO_ROOT,
  workflow,
  type InputSpec,
} from './workflow-files.ts';

const setup = readFileSync(`${REPO_ROOT}docs/setup.md`, 'utf8');
const jsonBlocks = [...setup.matchAll(/```json\n([\s\S]*?)```/g)].map(
  (m) => JSON.parse(m[1]!) as TrustPolicy,
);

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, string | string[]>>;
}
interface TrustPolicy {
  Statement: Statement[];
}

const subjects = (policy: TrustPolicy) =>
  policy.Statement.flatMap((s) =>
    [s.Condition?.['StringEquals']?.['token.actions.githubusercontent.com:sub'] ?? []].flat(),
  );

describe('docs/setup.md', () => {
  it('documents every secret and variable the workflows read', () => {
    const names = new Set<string>();
    for (const { file, text } of loadWorkflows()) {
      if (file === 'lab-reusable.yml') continue; // its secrets are passed by callers, under the same names
      for (const context of ['secrets', 'vars'] as const) {
        for (const name of contextReads(expressionsIn(text), context)) names.add(name);
      }
    }
    expect([...names].length).toBeGreaterThan(5);
    expect([...names].filter((name) => !setup.includes(`| \`${name}\` |`))).toEqual([]);
  });

  it('has trust policies for exactly the subjects the three workflows produce', () => {
    const environment = (
      workflow('lab-reusable.yml').on['workflow_call'] as { inputs: Record<string, InputSpec> }
    ).inputs['environment']!.default;
    const expected = [
      `repo:OWNER/REPO:environment:${String(environment)}`,
      'repo:OWNER/REPO:pull_request',
      'repo:OWNER/REPO:ref:refs/heads/main',
    ];
    for (const sub of expected)
      expect(
        jsonBlocks.some((p) => subjects(p).length === 1 && subjects(p)[0] === sub),
        sub,
      ).toBe(true);
    expect(jsonBlocks.some((p) => JSON.stringify(subjects(p)) === JSON.stringify(expected))).toBe(true);
    const immutable = expected.map((s) => s.replace('repo:OWNER/REPO:', 'repo:OWNER@OWNER_ID/REPO@REPO_ID:'));
    expect(jsonBlocks.some((p) => JSON.stringify(subjects(p)) === JSON.stringify(immutable))).toBe(true);
  });

  it('has a trust policy naming every subject a job that assumes the role can present, and no other', () => {
    // GitHub's subject for a job: its environment when it has one, else the event's (pull_request), else the ref
    // the run is on (the schedule and the buttons run on the default branch).
    const produced = new Set<string>();
    for (const { file, workflow: wf } of loadWorkflows()) {
      for (const job of Object.values(wf.jobs)) {
        if (!(job.steps ?? []).some((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@')))
          continue;
        const triggers = Object.keys(wf.on);
        if (job.environment !== undefined) {
          const name = String(job.environment);
          const environment = name.includes('inputs.environment')
            ? (wf.on['workflow_call'] as { inputs: Record<string, InputSpec> }).inputs['environment']!.default
            : name;
          produced.add(`repo:OWNER/REPO:environment:${String(environment)}`);
        } else if (triggers.includes('pull_request')) {
          produced.add('repo:OWNER/REPO:pull_request');
        } else {
          expect(
            triggers.filter((t) => !['schedule', 'workflow_dispatch', 'workflow_call'].includes(t)),
            file,
          ).toEqual([]);
          produced.add('repo:OWNER/REPO:ref:refs/heads/main');
        }
      }
    }
    expect(produced.size).toBe(3);
    const combined = jsonBlocks.find((p) => subjects(p).length === produced.size)!;
    expect(new Set(subjects(combined))).toEqual(produced);
  });

  it('pins the audience and matches subjects exactly in every trust policy (no wildcards)', () => {
    for (const policy of jsonBlocks) {
      for (const statement of policy.Statement) {
        expect(statement.Action).toBe('sts:AssumeRoleWithWebIdentity');
        expect(statement.Condition?.['StringEquals']?.['token.actions.githubusercontent.com:aud']).toBe(
          'sts.amazonaws.com',
        );
        expect(Object.keys(statement.Condition ?? {})).toEqual(['StringEquals']);
      }
    }
  });

  it('gives the OAuth clients the scopes and tags the tailnet policy stack creates them with', () => {
    const row = (client: string) => setup.split('\n').find((l) => l.startsWith(`| ${client} |`)) ?? '';
    for (const scope of CI_OAUTH_SCOPES) expect(row('CI')).toContain(`\`${scope}\``);
    for (const scope of OPERATOR_OAUTH_SCOPES) expect(row('operator')).toContain(`\`${scope}\``);
    expect(row('CI')).toContain(`\`${CI_RUNNER_TAG}\``);
    expect(row('operator')).toContain('`tag:k8s-operator`');
  });
});

describe('docs/iam/tslab-lab-policy.json', () => {
  const policy = JSON.parse(
    readFileSync(`${REPO_ROOT}docs/iam/tslab-lab-policy.json`, 'utf8'),
  ) as TrustPolicy;
  const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
  const statements = policy.Statement;

  it('names every statement and allows only', () => {
    for (const s of statements) {
      expect(s.Sid).toMatch(/^[A-Za-z0-9]+$/);
      expect(s.Effect).toBe('Allow');
    }
    expect(new Set(statements.map((s) => s.Sid)).size).toBe(statements.length);
  });

  it('grants no wildcard action', () => {
    const wild = statements.flatMap((s) => list(s.Action)).filter((a) => a.includes('*'));
    expect(wild).toEqual([]);
  });

  it('covers exactly the services the lab needs', () => {
    const services = new Set(statements.flatMap((s) => list(s.Action)).map((a) => a.split(':')[0]));
    expect([...services].sort()).toEqual([
      'ec2',
      'eks',
      'elasticloadbalancing',
      'iam',
      's3',
      'ssm',
      'sts',
      'tag',
    ]);
  });

  it('limits IAM to tslab-* roles and instance profiles (plus the EKS service-linked roles and the role itself)', () => {
    for (const s of statements.filter((s) => list(s.Action).some((a) => a.startsWith('iam:')))) {
      if (s.Sid === 'IamEksServiceLinkedRolesFirstTimeOnly') {
        expect(s.Condition?.['StringEquals']?.['iam:AWSServiceName']).toEqual([
          'eks.amazonaws.com',
          'eks-nodegroup.amazonaws.com',
        ]);
        continue;
      }
      for (const resource of list(s.Resource)) {
        expect(resource).toMatch(/^arn:aws:iam::\*:(role|instance-profile)\/(tslab-\*|github-tslab)$/);
      }
    }
    const passRole = statements.find((s) => list(s.Action).includes('iam:PassRole'))!;
    expect(passRole.Condition?.['StringEquals']?.['iam:PassedToService']).toEqual([
      'eks.amazonaws.com',
      'ec2.amazonaws.com',
    ]);
  });

  it('lets the role manage IAM roles other than itself only (github-tslab is read, never written)', () => {
    const onSelf = statements.filter((s) => list(s.Resource).some((r) => r.endsWith('role/github-tslab')));
    expect(onSelf.flatMap((s) => list(s.Action))).toEqual(['iam:GetRole']);
    expect(setup).toContain('--role-name github-tslab');
  });

  it('touches S3 only in the state bucket', () => {
    for (const s of statements.filter((s) => list(s.Action).some((a) => a.startsWith('s3:')))) {
      for (const resource of list(s.Resource))
        expect(resource).toMatch(/^arn:aws:s3:::YOUR_STATE_BUCKET(\/tslab\/\*)?$/);
    }
  });

  it('deletes tagged lab resources only, except the documented untagged leftovers', () => {
    const destructive = statements.filter((s) =>
      list(s.Action).some((a) => /^ec2:(Delete|Terminate|Release|Detach|Disassociate)/.test(a)),
    );
    for (const s of destructive) {
      if (s.Sid === 'Ec2RemoveLeftoversNotTaggedByTslab') {
        expect(list(s.Action).sort()).toEqual(['ec2:DeleteNetworkInterface', 'ec2:DeleteSecurityGroup']);
        continue;
      }
      expect(s.Condition?.['Null']?.['aws:ResourceTag/tslab:lab'], s.Sid).toBe('false');
    }
  });

  it('limits EKS to tslab-* clusters and what belongs to them', () => {
    const eks = statements.find((s) => s.Sid === 'EksLabClusters')!;
    for (const resource of list(eks.Resource))
      expect(resource).toMatch(/^arn:aws:eks:\*:\*:[a-z-]+\/tslab-\*/);
  });
});
