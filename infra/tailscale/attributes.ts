// A tiny declarative schema per Tailscale resource: the camelCase argument, its exact provider name and its type.
// Synthesis (JSON and HCL) is driven by this table alone, so moving to cdktn or hand-written Terraform JSON only means
// reusing the table, not rewriting classes.
import { hashMapperHcl, listMapperHcl, stringToHclTerraform, type TerraformMetaArguments } from 'cdktf';

export type AttributeKind = 'string' | 'boolean' | 'number' | 'stringList' | 'stringSet' | 'stringMap';

export interface AttributeSpec {
  /** The argument's name in the provider schema, e.g. `overwrite_existing_content`. */
  readonly name: string;
  readonly kind: AttributeKind;
  /** The provider rejects a config without it. */
  readonly required?: true;
}

/** One entry per argument of `Args`: the compiler rejects a missing or extra key. */
export type AttributeSchema<Args> = { readonly [K in keyof Args]-?: AttributeSpec };

/** Terraform JSON attributes: snake_case names, unset arguments left out so the provider's defaults apply. */
export function toTerraformAttributes<Args extends object>(
  args: Args,
  schema: AttributeSchema<Args>,
): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const key of Object.keys(schema) as (keyof Args & string)[]) {
    const value = args[key];
    if (value !== undefined) attributes[schema[key].name] = value;
  }
  return attributes;
}

/** The same attributes in the shape cdktf's HCL renderer expects (`cdktf synth --hcl`). */
export function toHclAttributes<Args extends object>(
  args: Args,
  schema: AttributeSchema<Args>,
): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const key of Object.keys(schema) as (keyof Args & string)[]) {
    const value = args[key];
    if (value === undefined) continue;
    const { name, kind } = schema[key];
    const isList = kind === 'stringList' || kind === 'stringSet';
    if (kind === 'stringMap') {
      attributes[name] = {
        value: hashMapperHcl(stringToHclTerraform)(value),
        isBlock: false,
        type: 'map',
        storageClassType: 'stringMap',
      };
      continue;
    }
    attributes[name] = {
      value: isList ? listMapperHcl(stringToHclTerraform, false)(value) : value,
      isBlock: false,
      type: kind === 'stringList' ? 'list' : kind === 'stringSet' ? 'set' : 'simple',
      storageClassType: isList ? 'stringList' : kind,
    };
  }
  return attributes;
}

/** Splits a binding's config into the resource arguments (schema keys) and the Terraform meta-arguments. */
export function splitConfig<Args extends object>(
  config: Args & TerraformMetaArguments,
  schema: AttributeSchema<Args>,
): { args: Args; meta: TerraformMetaArguments } {
  const args: Record<string, unknown> = {};
  const meta: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if (key in schema) args[key] = value;
    else if (META_ARGUMENTS.has(key)) meta[key] = value;
    else
      throw new Error(
        `'${key}' is neither an argument of this Tailscale binding nor a Terraform meta-argument`,
      );
  }
  for (const [key, spec] of Object.entries(schema) as [string, AttributeSpec][]) {
    if (spec.required && args[key] === undefined) throw new Error(`'${key}' (${spec.name}) is required`);
  }
  return { args: args as Args, meta: meta as TerraformMetaArguments };
}

const META_ARGUMENTS = new Set<string>([
  'dependsOn',
  'count',
  'provider',
  'lifecycle',
  'forEach',
  'provisioners',
  'connection',
] satisfies (keyof TerraformMetaArguments)[]);
