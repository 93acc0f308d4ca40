// Re-derives the pinned upstream fixtures in test/fixtures/upstream/ and their provenance manifest (sources.json)
// from a local copy of the upstream files. Usage:
//
//   npm run fixtures -- --from <dir> \
//     --tailscale-tag v1.102.3 --tailscale-commit 53a0d659afa51835dd7a9283873cca44261454f8 \
//     --provider-tag v0.29.2 --provider-commit fc9a21bfb64a72a349a4b011f9dad2a9df374697 \
//     --client-go-tag v2.9.0 --client-go-commit 4f50555a6c6f6f231f85b4f54767ac49bf590416 \
//     --api-docs-commit 4f4f31717447da1f901dc689310cdfb10847d843 [--out <dir>] [--check]
//
// <dir> holds the upstream files, unchanged, laid out as below (on the right: the repository and path each is from):
//   crds/tailscale.com_connectors.yaml       tailscale/tailscale  cmd/k8s-operator/deploy/crds/ (same name)
//   crds/tailscale.com_proxygroups.yaml      tailscale/tailscale  cmd/k8s-operator/deploy/crds/ (same name)
//   chart/values.yaml                        tailscale/tailscale  cmd/k8s-operator/deploy/chart/values.yaml
//   terraform-provider/index.md              tailscale/terraform-provider-tailscale  docs/index.md
//   terraform-provider/resources/*.md        tailscale/terraform-provider-tailscale  docs/resources/*.md
//   terraform-provider/data-sources/*.md     tailscale/terraform-provider-tailscale  docs/data-sources/*.md
//   api/client-go-v2-testdata-devices.json   tailscale/tailscale-client-go-v2  testdata/devices.json
//   api/device.md                            tailscale/tailscale  publicapi/device.md at --api-docs-commit (no tag)
// Files of <dir> outside these paths are ignored. --out defaults to test/fixtures/upstream; fixtures a previous run
// listed in sources.json but this run no longer produces are deleted. --check writes nothing and exits 1 when the
// committed fixtures or manifest differ from what the upstream copy yields. Output is formatted with the repo's
// prettier config, so a second run is byte-identical.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import {
  compactJson,
  parseProviderDocSchema,
  rawUrl,
  reduceChartValues,
  reduceCrd,
  reduceDeviceDoc,
  reduceDevicesSample,
  type FixtureSource,
  type Reduction,
  type SourcesManifest,
} from './upstream-fixtures.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const MANIFEST = 'sources.json';
/** The CRDs of the kinds tslab's manifests create; add one here when a test needs another. */
const CRDS = ['tailscale.com_connectors.yaml', 'tailscale.com_proxygroups.yaml'];

interface Pin {
  repository: string;
  tag: string | null;
  commit: string;
}

interface Planned {
  /** Relative to --from. */
  local: string;
  fixture: string;
  upstreamPath: string;
  pin: Pin;
  reduction: Reduction;
}

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

function usage(message: string): never {
  console.error(`derive-upstream-fixtures: ${message}\nSee the comment at the top of this script for usage.`);
  process.exit(2);
}

function options() {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' },
      out: { type: 'string', default: join(REPO_ROOT, 'test/fixtures/upstream') },
      'tailscale-tag': { type: 'string' },
      'tailscale-commit': { type: 'string' },
      'provider-tag': { type: 'string' },
      'provider-commit': { type: 'string' },
      'client-go-tag': { type: 'string' },
      'client-go-commit': { type: 'string' },
      'api-docs-commit': { type: 'string' },
      check: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const required = (name: keyof typeof values): string => {
    const value = values[name];
    if (typeof value !== 'string' || value === '') usage(`--${name} is required`);
    return value;
  };
  const commit = (name: keyof typeof values): string => {
    const value = required(name);
    if (!/^[0-9a-f]{40}$/.test(value)) usage(`--${name} must be a full 40-character commit hash`);
    return value;
  };
  return {
    from: required('from'),
    out: required('out'),
    check: values.check === true,
    tailscale: {
      repository: 'tailscale/tailscale',
      tag: required('tailscale-tag'),
      commit: commit('tailscale-commit'),
    },
    provider: {
      repository: 'tailscale/terraform-provider-tailscale',
      tag: required('provider-tag'),
      commit: commit('provider-commit'),
    },
    clientGo: {
      repository: 'tailscale/tailscale-client-go-v2',
      tag: required('client-go-tag'),
      commit: commit('client-go-commit'),
    },
    apiDocs: { repository: 'tailscale/tailscale', tag: null, commit: commit('api-docs-commit') },
  };
}

/** Sorted names of the files in `dir` ending in `extension`, or [] when `dir` does not exist. */
function filesIn(dir: string, extension: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(extension))
    .sort();
}

function plan(from: string, pins: ReturnType<typeof options>): Planned[] {
  const planned: Planned[] = [];
  for (const name of CRDS) {
    planned.push({
      local: `crds/${name}`,
      fixture: `tailscale/crds/${name.replace(/\.yaml$/, '.json')}`,
      upstreamPath: `cmd/k8s-operator/deploy/crds/${name}`,
      pin: pins.tailscale,
      reduction: 'crd',
    });
  }
  planned.push({
    local: 'chart/values.yaml',
    fixture: 'tailscale/chart/values.json',
    upstreamPath: 'cmd/k8s-operator/deploy/chart/values.yaml',
    pin: pins.tailscale,
    reduction: 'chart-values',
  });
  const docs = [
    'index.md',
    ...filesIn(join(from, 'terraform-provider/resources'), '.md').map((name) => `resources/${name}`),
    ...filesIn(join(from, 'terraform-provider/data-sources'), '.md').map((name) => `data-sources/${name}`),
  ];
  for (const page of docs) {
    planned.push({
      local: `terraform-provider/${page}`,
      fixture: `terraform-provider-tailscale/docs/${page.replace(/\.md$/, '.json')}`,
      upstreamPath: `docs/${page}`,
      pin: pins.provider,
      reduction: 'provider-doc',
    });
  }
  planned.push({
    local: 'api/client-go-v2-testdata-devices.json',
    fixture: 'tailscale-client-go-v2/testdata/devices.json',
    upstreamPath: 'testdata/devices.json',
    pin: pins.clientGo,
    reduction: 'devices-sample',
  });
  planned.push({
    local: 'api/device.md',
    fixture: 'tailscale/publicapi/device.json',
    upstreamPath: 'publicapi/device.md',
    pin: pins.apiDocs,
    reduction: 'device-doc',
  });
  return planned;
}

function reduce(reduction: Reduction, text: string, source: string): unknown {
  switch (reduction) {
    case 'crd':
      return reduceCrd(text, source);
    case 'chart-values':
      return reduceChartValues(text, source);
    case 'provider-doc':
      return parseProviderDocSchema(text, source);
    case 'devices-sample':
      return reduceDevicesSample(text, source);
    case 'device-doc':
      return reduceDeviceDoc(text, source);
  }
}

/** Formatted as prettier formats it in the repo, wherever --out points, so `prettier --check` passes on the result. */
async function formatJson(value: unknown, fixture: string): Promise<string> {
  const inRepo = join(REPO_ROOT, 'test/fixtures/upstream', fixture);
  const config = (await prettier.resolveConfig(inRepo)) ?? {};
  return prettier.format(compactJson(value), { ...config, filepath: inRepo });
}

async function main(): Promise<void> {
  const pins = options();
  const outputs = new Map<string, string>();
  const manifest: SourcesManifest = { fixtures: [] };
  for (const item of plan(pins.from, pins)) {
    const localPath = join(pins.from, item.local);
    if (!existsSync(localPath)) usage(`${localPath} is missing`);
    const upstreamBytes = readFileSync(localPath);
    const reduced = reduce(item.reduction, upstreamBytes.toString('utf8'), item.local);
    const text = await formatJson(reduced, item.fixture);
    outputs.set(item.fixture, text);
    manifest.fixtures.push({
      fixture: item.fixture,
      sha256: sha256(text),
      bytes: Buffer.byteLength(text),
      reduction: item.reduction,
      upstream: {
        ...item.pin,
        path: item.upstreamPath,
        url: rawUrl(item.pin.repository, item.pin.tag ?? item.pin.commit, item.upstreamPath),
        sha256: sha256(upstreamBytes),
        bytes: upstreamBytes.length,
      },
    } satisfies FixtureSource);
  }
  manifest.fixtures.sort((a, b) => a.fixture.localeCompare(b.fixture));
  outputs.set(MANIFEST, await formatJson(manifest, MANIFEST));

  const manifestPath = join(pins.out, MANIFEST);
  const previous = existsSync(manifestPath)
    ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as SourcesManifest).fixtures.map((f) => f.fixture)
    : [];
  const stale = previous.filter((fixture) => !outputs.has(fixture));

  if (pins.check) {
    const differing = [...outputs].filter(([file, text]) => {
      const path = join(pins.out, file);
      return !existsSync(path) || readFileSync(path, 'utf8') !== text;
    });
    for (const [file] of differing) console.error(`differs: ${file}`);
    for (const file of stale) console.error(`stale: ${file}`);
    if (differing.length > 0 || stale.length > 0) process.exit(1);
    console.log(`${outputs.size} files match ${relative(process.cwd(), pins.out) || '.'}`);
    return;
  }
  for (const file of stale) rmSync(join(pins.out, file), { force: true });
  for (const [file, text] of outputs) {
    const path = join(pins.out, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  for (const entry of manifest.fixtures) {
    console.log(`${entry.fixture}: ${entry.bytes} bytes (upstream ${entry.upstream.bytes})`);
  }
  if (stale.length > 0) console.log(`removed: ${stale.join(', ')}`);
}

await main();
