// What each stack requires, as the engine qualifies it for terraform or tofu, and the one list the committed lock file
// is produced from: infra/providers/versions.tf.json equals what the AWS stacks require and
// scripts/terraform-providers.txt, and the local target requires nothing.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseProviderLockFile } from '../../src/engine/provider-lock-file.ts';
import { repositoryLockFile, repositoryProviderRequirements } from '../../src/engine/provider-lock.ts';
import {
  providerAddress,
  registryHostOf,
  requiredProviders,
  requiredProvidersOf,
} from '../../src/engine/stack-providers.ts';
import { resolveLab } from '../../src/lab/config.ts';
import { synthLab } from '../../src/targets/synth-lab.ts';

const REPO = join(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'tslab-provider-requirements-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('provider addresses', () => {
  it.each([
    ['aws', 'registry.terraform.io/hashicorp/aws', 'registry.opentofu.org/hashicorp/aws'],
    ['hashicorp/aws', 'registry.terraform.io/hashicorp/aws', 'registry.opentofu.org/hashicorp/aws'],
    [
      'Tailscale/Tailscale',
      'registry.terraform.io/tailscale/tailscale',
      'registry.opentofu.org/tailscale/tailscale',
    ],
    ['example.com:8443/acme/thing', 'example.com:8443/acme/thing', 'example.com:8443/acme/thing'],
  ])('%s is %s to terraform and %s to tofu', (source, terraform, tofu) => {
    expect(providerAddress(source, registryHostOf('terraform'))).toBe(terraform);
    expect(providerAddress(source, registryHostOf('/usr/local/bin/tofu'))).toBe(tofu);
  });

  it('leaves out the built-in terraform provider, which is never locked', () => {
    expect(providerAddress('terraform', 'registry.terraform.io')).toBeUndefined();
    expect(providerAddress('terraform.io/builtin/terraform', 'registry.opentofu.org')).toBeUndefined();
  });

  it.each(['', 'a/b/c/d', '-aws', 'hashicorp/aws_', 'host with space/a/b'])(
    'refuses the source %j',
    (source) => {
      expect(() => providerAddress(source, 'registry.terraform.io')).toThrow(
        `Provider source ${JSON.stringify(source)} is not <type>, <namespace>/<type> or <host>/<namespace>/<type>`,
      );
    },
  );
});

describe('a stack’s required providers', () => {
  it('come from every *.tf.json of the stack directory, once per address, in either JSON block form', async () => {
    const dir = mkdtempSync(join(scratch, 'stack-'));
    writeFileSync(
      join(dir, 'cdk.tf.json'),
      JSON.stringify({
        terraform: { required_providers: { aws: { source: 'aws', version: '6.25.0' }, terraform: {} } },
      }),
    );
    writeFileSync(
      join(dir, 'extra.tf.json'),
      JSON.stringify({
        terraform: [{ required_providers: [{ tailscale: { source: 'tailscale/tailscale' } }] }],
      }),
    );
    writeFileSync(join(dir, 'notes.json'), JSON.stringify({ terraform: { required_providers: { x: {} } } }));
    expect(await requiredProviders(dir, 'registry.terraform.io')).toEqual([
      { name: 'aws', source: 'aws', address: 'registry.terraform.io/hashicorp/aws', version: '6.25.0' },
      {
        name: 'tailscale',
        source: 'tailscale/tailscale',
        address: 'registry.terraform.io/tailscale/tailscale',
      },
    ]);
  });

  it('refuses a required_providers it cannot read, naming the file', async () => {
    const dir = mkdtempSync(join(scratch, 'bad-'));
    writeFileSync(
      join(dir, 'cdk.tf.json'),
      JSON.stringify({ terraform: { required_providers: { aws: 5 } } }),
    );
    await expect(requiredProviders(dir, 'registry.terraform.io')).rejects.toThrow(
      `${join(dir, 'cdk.tf.json')}: terraform.required_providers.aws must be an object with source and version`,
    );
    writeFileSync(join(dir, 'cdk.tf.json'), '{ not json');
    await expect(requiredProviders(dir, 'registry.terraform.io')).rejects.toThrow(
      `Could not read ${join(dir, 'cdk.tf.json')} as Terraform JSON`,
    );
  });
});

describe('the providers the lock file is produced from', () => {
  const versions = JSON.parse(readFileSync(repositoryProviderRequirements(), 'utf8')) as unknown;
  const listed = requiredProvidersOf(versions, 'versions.tf.json', 'registry.terraform.io');

  /** `<source> <version>` of every provider the synthesized stacks of these labs require. */
  function synthesizedRequirements(inputs: Record<string, unknown>[]): Set<string> {
    const required = new Set<string>();
    inputs.forEach((input, index) => {
      for (const stack of synthLab(resolveLab(input), join(scratch, `synth-${index}`)).stacks) {
        const json = JSON.parse(readFileSync(join(stack.workingDirectory, 'cdk.tf.json'), 'utf8')) as unknown;
        for (const p of requiredProvidersOf(json, stack.id, 'registry.terraform.io')) {
          required.add(`${p.source} ${p.version}`);
        }
      }
    });
    return required;
  }

  it('are located in infra/providers of this checkout when running from source', () => {
    expect(repositoryProviderRequirements()).toBe(join(REPO, 'infra', 'providers', 'versions.tf.json'));
    expect(repositoryLockFile()).toBe(join(REPO, 'infra', 'providers', '.terraform.lock.hcl'));
  });

  it('are exactly what the AWS stacks require, and what scripts/terraform-providers.txt lists', () => {
    const required = synthesizedRequirements([
      { lab: 'providers', stateBucket: 'tslab-state' },
      { lab: 'providers', stateBucket: 'tslab-state', egressProxyGroup: true },
    ]);
    const txt = readFileSync(join(REPO, 'scripts', 'terraform-providers.txt'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#'))
      .map((line) => line.trim().replace(/\s+/, ' '));
    expect(required.size).toBe(3);
    expect(listed.map((p) => `${p.source} ${p.version}`).sort()).toEqual([...required].sort());
    expect([...txt].sort()).toEqual([...required].sort());
  }, 60_000);

  it('include nothing the local target needs: its stacks require no provider', () => {
    const local = synthesizedRequirements([
      {
        lab: 'providers',
        target: 'local',
        owner: 'vitest',
        trigger: 'test',
        createdAt: '2026-11-27T10:00:00Z',
      },
    ]);
    expect(local).toEqual(new Set());
  });

  it('bound the committed lock file: each entry is one of them, for terraform or tofu, with checksums', () => {
    const entries = parseProviderLockFile(readFileSync(repositoryLockFile(), 'utf8'), repositoryLockFile());
    const allowed = new Set(
      (['registry.terraform.io', 'registry.opentofu.org'] as const).flatMap((host) =>
        requiredProvidersOf(versions, 'versions.tf.json', host).map((p) => p.address),
      ),
    );
    for (const entry of entries) {
      expect(allowed, entry.address).toContain(entry.address);
      expect(entry.hashes.length, entry.address).toBeGreaterThan(0);
    }
    // Either not produced yet (AWS runs stop and say how), or complete for terraform: never half a refresh.
    const terraformEntries = entries.filter((e) => e.address.startsWith('registry.terraform.io/'));
    if (entries.length)
      expect(terraformEntries.map((e) => e.address).sort()).toEqual(listed.map((p) => p.address).sort());
  });
});
