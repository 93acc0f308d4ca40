// Synthesizes the AWS stacks of one lab below the workloads and reads the JSON back, so tests assert on what Terraform
// receives.
import { App, Testing } from 'cdktf';
import { resolveLab, type LabConfig } from '../../../src/lab/config.ts';
import { ClientStack, type TailnetKeySource } from '../../../infra/stacks/client-stack.ts';
import { ClusterStack } from '../../../infra/stacks/cluster-stack.ts';
import { NatStack } from '../../../infra/stacks/nat-stack.ts';
import { NetworkStack } from '../../../infra/stacks/network-stack.ts';
import { NodesStack } from '../../../infra/stacks/nodes-stack.ts';
import { testApp } from '../../support/cdktf-app.ts';

export type Json = Record<string, unknown>;
export interface SynthesizedLab {
  lab: LabConfig;
  network: Json;
  nat: Json;
  cluster: Json;
  nodes: Json;
  client: Json;
  /** Stack id → the stacks it depends on, as cdktf recorded them. */
  dependencies: Record<string, string[]>;
}

export const FIXED_NOW = new Date('2026-01-01T00:00:00Z');
/** What the fake key source returns: a reference Terraform would resolve to the tailnet key. */
export const FAKE_AUTH_KEY_EXPRESSION = '${tailscale_tailnet_key.client.key}';
export const fakeTailnetKey: TailnetKeySource = { authKey: () => FAKE_AUTH_KEY_EXPRESSION };

export function demoLab(extra: Record<string, unknown> = {}): LabConfig {
  return resolveLab({ lab: 'demo', ...extra }, { now: FIXED_NOW });
}

export function synthLab(
  lab: LabConfig = demoLab(),
  tailnetKey: TailnetKeySource = fakeTailnetKey,
): SynthesizedLab {
  const app: App = testApp();
  const network = new NetworkStack(app, lab);
  const nat = new NatStack(app, lab, { network });
  const cluster = new ClusterStack(app, lab, { network });
  const nodes = new NodesStack(app, lab, { network, nat, cluster });
  const client = new ClientStack(app, lab, { network, nat, tailnetKey });
  const stacks = { network, nat, cluster, nodes, client };
  // Cross-stack references add outputs to the producing stack while the consumers resolve, as app.synth() does.
  for (const stack of Object.values(stacks)) stack.prepareStack();
  const parse = (json: string): Json => JSON.parse(json) as Json;
  return {
    lab,
    network: parse(Testing.synth(network)),
    nat: parse(Testing.synth(nat)),
    cluster: parse(Testing.synth(cluster)),
    nodes: parse(Testing.synth(nodes)),
    client: parse(Testing.synth(client)),
    dependencies: Object.fromEntries(
      Object.entries(stacks).map(([id, stack]) => [
        id,
        stack.dependencies.map((dependency) => dependency.node.id).sort(),
      ]),
    ),
  };
}

function section(stack: Json, kind: 'resource' | 'data', type: string): Record<string, Json> {
  const byType = (stack[kind] ?? {}) as Record<string, Record<string, Json>>;
  return byType[type] ?? {};
}

/** Every resource of a type, as [logical id, body]. */
export function resourcesOf(stack: Json, type: string): [string, Json][] {
  return Object.entries(section(stack, 'resource', type));
}

export function dataSourcesOf(stack: Json, type: string): [string, Json][] {
  return Object.entries(section(stack, 'data', type));
}

/** The single resource of a type; fails the test when there are none or several. */
export function onlyResource(stack: Json, type: string): Json {
  const found = resourcesOf(stack, type);
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  return found[0]![1];
}

export function resourceTypes(stack: Json): string[] {
  return Object.keys((stack.resource ?? {}) as Json);
}

/** `${aws_subnet.x.id}` → the body of resource aws_subnet.x in that stack. */
export function resourceAt(stack: Json, expression: string): Json {
  const match = /^\$\{([a-z0-9_]+)\.([^.]+)\.[a-z0-9_]+\}$/.exec(expression);
  if (!match) throw new Error(`not a plain resource attribute reference: ${expression}`);
  const body = section(stack, 'resource', match[1]!)[match[2]!];
  if (!body) throw new Error(`no resource ${match[1]}.${match[2]}`);
  return body;
}

/**
 * Follows a cross-stack reference (`${data.terraform_remote_state.….outputs.<name>}`) into the producing stack and
 * returns the expression that output exports there.
 */
export function exportedExpression(producer: Json, consumerExpression: string): string {
  const match = /^\$\{data\.terraform_remote_state\.[^.]+\.outputs\.([^}]+)\}$/.exec(consumerExpression);
  if (!match) throw new Error(`not a cross-stack reference: ${consumerExpression}`);
  const outputs = (producer.output ?? {}) as Record<string, { value: string }>;
  const output = outputs[match[1]!];
  if (!output) throw new Error(`producer has no output ${match[1]}`);
  return output.value;
}

/** The producer-side resource a consumer's cross-stack reference points at. */
export function crossStackResource(producer: Json, consumerExpression: string): Json {
  return resourceAt(producer, exportedExpression(producer, consumerExpression));
}

/** `type.id` of a resource body found in the stack. */
export function addressOf(stack: Json, type: string, body: Json): string {
  const entry = resourcesOf(stack, type).find(([, candidate]) => candidate === body);
  if (!entry) throw new Error(`resource not in ${type}`);
  return `${type}.${entry[0]}`;
}

/** The single EKS addon of that name. */
export function addonNamed(stack: Json, name: string): Json {
  const found = resourcesOf(stack, 'aws_eks_addon').filter(([, a]) => a.addon_name === name);
  if (found.length !== 1) throw new Error(`expected exactly one addon ${name}, found ${found.length}`);
  return found[0]![1];
}

/**
 * What a resource waits for in other stacks: the input of each terraform_data it lists in depends_on (the stand-ins of
 * infra/stacks/lab-stack.ts afterOtherStacks), by terraform_data name.
 */
export function awaitedOutputs(stack: Json, resource: Json): Record<string, Record<string, unknown>> {
  const standIns = ((resource.depends_on ?? []) as string[]).filter((d) => d.startsWith('terraform_data.'));
  return Object.fromEntries(
    standIns.map((address) => {
      const name = address.slice('terraform_data.'.length);
      const body = resourcesOf(stack, 'terraform_data').find(([id]) => id === name)?.[1];
      if (!body) throw new Error(`no resource ${address}`);
      return [name, body.input as Record<string, unknown>];
    }),
  );
}
