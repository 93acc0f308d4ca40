// The providers a synthesized stack requires, read from its Terraform JSON (`terraform.required_providers`), as the
// fully qualified addresses terraform or tofu resolve them to: `aws` and `hashicorp/aws` are
// registry.terraform.io/hashicorp/aws to terraform and registry.opentofu.org/hashicorp/aws to tofu.
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

export type ProviderRegistryHost = 'registry.terraform.io' | 'registry.opentofu.org';

export interface RequiredProvider {
  /** The stack's local name for it, e.g. `aws`. */
  name: string;
  /** As written in the stack, e.g. `aws` or `tailscale/tailscale`. */
  source: string;
  /** Fully qualified for the engine, e.g. `registry.terraform.io/hashicorp/aws`. */
  address: string;
  version?: string;
}

/** tofu's default registry differs from terraform's; a binary is tofu when its file is named tofu. */
export function registryHostOf(binary: string): ProviderRegistryHost {
  return basename(binary) === 'tofu' ? 'registry.opentofu.org' : 'registry.terraform.io';
}

/** A provider part as terraform normalizes it: lowercase letters, digits and inner dashes. */
const PART = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const HOST = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::\d+)?$/;

/**
 * `type`, `namespace/type` or `host/namespace/type` as the engine qualifies it; undefined for the built-in
 * terraform provider (terraform_data, terraform_remote_state), which ships inside the binary and is never locked.
 */
export function providerAddress(source: string, host: ProviderRegistryHost): string | undefined {
  const parts = source.trim().toLowerCase().split('/');
  const [hostname, namespace, type] =
    parts.length === 1
      ? [host, 'hashicorp', parts[0]!]
      : parts.length === 2
        ? [host, parts[0]!, parts[1]!]
        : parts.length === 3
          ? [parts[0]!, parts[1]!, parts[2]!]
          : [];
  if (hostname === undefined || !HOST.test(hostname) || !PART.test(namespace!) || !PART.test(type!)) {
    throw new Error(
      `Provider source ${JSON.stringify(source)} is not <type>, <namespace>/<type> or <host>/<namespace>/<type>`,
    );
  }
  if (
    (parts.length === 1 && type === 'terraform') ||
    (hostname === 'terraform.io' && namespace === 'builtin')
  ) {
    return undefined;
  }
  return `${hostname}/${namespace}/${type}`;
}

/** Every provider the stack in `dir` requires, from each of its `*.tf.json` files, once per address. */
export async function requiredProviders(
  dir: string,
  host: ProviderRegistryHost,
): Promise<RequiredProvider[]> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.tf.json')).sort();
  const found = new Map<string, RequiredProvider>();
  for (const name of files) {
    const file = join(dir, name);
    let json: unknown;
    try {
      json = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      throw new Error(`Could not read ${file} as Terraform JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
    for (const provider of requiredProvidersOf(json, file, host)) {
      if (!found.has(provider.address)) found.set(provider.address, provider);
    }
  }
  return [...found.values()];
}

/** The required providers of one Terraform JSON document (`where` names it in errors). */
export function requiredProvidersOf(
  json: unknown,
  where: string,
  host: ProviderRegistryHost,
): RequiredProvider[] {
  const providers: RequiredProvider[] = [];
  // Terraform JSON allows a block to be one object or a list of them.
  for (const terraform of blocks(objectField(json, 'terraform'), `${where}: terraform`)) {
    const field = objectField(terraform, 'required_providers');
    for (const requirements of blocks(field, `${where}: terraform.required_providers`)) {
      for (const [name, requirement] of Object.entries(requirements)) {
        providers.push(requirementOf(name, requirement, where, host));
      }
    }
  }
  return providers.filter((provider) => provider.address !== '');
}

function requirementOf(
  name: string,
  value: unknown,
  where: string,
  host: ProviderRegistryHost,
): RequiredProvider {
  // The pre-0.13 form `aws = "~> 5.0"` is a version alone; the source is then the local name.
  if (typeof value === 'string')
    return { name, source: name, address: providerAddress(name, host) ?? '', version: value };
  if (!isObject(value)) {
    throw new Error(
      `${where}: terraform.required_providers.${name} must be an object with source and version`,
    );
  }
  const { source = name, version } = value;
  if (typeof source !== 'string' || (version !== undefined && typeof version !== 'string')) {
    throw new Error(
      `${where}: terraform.required_providers.${name} has a source or version that is not a string`,
    );
  }
  return {
    name,
    source,
    address: providerAddress(source, host) ?? '',
    ...(version !== undefined ? { version } : {}),
  };
}

function objectField(value: unknown, field: string): unknown {
  return isObject(value) ? value[field] : undefined;
}

function blocks(value: unknown, what: string): Record<string, unknown>[] {
  if (value === undefined) return [];
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (!list.every(isObject)) throw new Error(`${what} must be an object or a list of objects`);
  return list;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
