// Synthesizes the three AWS stacks of one lab and reads the JSON back, so tests assert on what Terraform receives.
import { App, Testing } from 'cdktf';
import { resolveLab, type LabConfig } from '../../../src/lab/config.ts';
import { ClientStack, type TailnetKeySource } from '../../../infra/stacks/client-stack.ts';
import { ClusterStack } from '../../../infra/stacks/cluster-stack.ts';
import { NetworkStack } from '../../../infra/stacks/network-stack.ts';

export type Json = Record<string, unknown>;
export interface SynthesizedLab {
  lab: LabConfig;
  network: Json;
  cluster: Json;
  client: Json;
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
  const app: App = Testing.app();
  const network = new NetworkStack(app, lab);
  const cluster = new ClusterStack(app, lab, { network });
  const client = new ClientStack(app, lab, { network, tailnetKey });
  // Cross-stack references add outputs to the producing stack while the consumers resolve, as app.synth() does.
  for (const stack of [network, cluster, client]) stack.prepareStack();
  const parse = (json: string): Json => JSON.parse(json) as Json;
  return {
    lab,
    network: parse(Testing.synth(network)),
    cluster: parse(Testing.synth(cluster)),
    client: parse(Testing.synth(client)),
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
