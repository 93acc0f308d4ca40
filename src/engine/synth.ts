// The only module that imports cdktf: builds the app, synthesizes it and reports its stacks in apply order.
// Everything downstream works from the synthesized Terraform JSON, so cdktf can be swapped for cdktn or plain JSON here.
import { mkdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { App } from 'cdktf';
import { applyOrder, type StackBackend, type SynthesizedStack } from './stack-order.ts';

export { applyOrder, destroyOrder, type StackBackend, type SynthesizedStack } from './stack-order.ts';

export interface SynthResult {
  /** In apply (dependency) order. */
  stacks: SynthesizedStack[];
}

export interface SynthOptions {
  /** Skips cdktf's own validations (provider presence, etc.); tests of odd fixtures only. */
  skipValidation?: boolean;
}

/**
 * Runs `build` against a fresh cdktf App writing to `outdir`, synthesizes it and reads cdktf's manifest.json.
 *
 * Local backends must use absolute state paths (see src/home/lab-home.ts): terraform resolves a relative path from each
 * stack's own working directory, so a stack reading another's state through a cross-stack reference would miss it.
 */
export function synthesize(
  build: (app: App) => void,
  outdir: string,
  options: SynthOptions = {},
): SynthResult {
  const absoluteOutdir = resolve(outdir);
  // cdktf's App creates only the last path segment; a fresh clone has no .tslab/ yet.
  mkdirSync(absoluteOutdir, { recursive: true });
  const app = new App({ outdir: absoluteOutdir, skipValidation: options.skipValidation ?? false });
  build(app);
  app.synth();
  return { stacks: applyOrder(readManifest(absoluteOutdir)) };
}

interface CdktfStackEntry {
  name: string;
  workingDirectory: string;
  synthesizedStackPath: string;
  dependencies: string[];
}

function readManifest(outdir: string): SynthesizedStack[] {
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as {
    stacks?: Record<string, CdktfStackEntry>;
  };
  return Object.values(manifest.stacks ?? {}).map((entry) => {
    const workingDirectory = resolve(outdir, entry.workingDirectory);
    return {
      id: entry.name,
      workingDirectory,
      dependencies: [...entry.dependencies],
      backend: readBackend(entry.name, resolve(outdir, entry.synthesizedStackPath)),
    };
  });
}

function readBackend(stackId: string, stackFile: string): StackBackend {
  const stackJson = JSON.parse(readFileSync(stackFile, 'utf8')) as {
    terraform?: { backend?: Record<string, { path?: string; bucket?: string; key?: string }> };
  };
  const [type, config] = Object.entries(stackJson.terraform?.backend ?? {})[0] ?? ['local', {}];
  // Where the state object is: terraform's S3 lock object sits beside it, and a run records that lock's id.
  if (type === 's3' && config.bucket && config.key)
    return { kind: 'remote', type, bucket: config.bucket, key: config.key };
  if (type !== 'local') return { kind: 'remote', type };
  // Terraform's own default for a local backend without a path: terraform.tfstate in the working directory.
  const path = config.path ?? 'terraform.tfstate';
  if (!isAbsolute(path)) {
    throw new Error(
      `Stack '${stackId}' keeps its local state at the relative path '${path}'; resolve the state dir to an absolute ` +
        'path before synth (src/home/lab-home.ts), or the state lands inside the synth output and cross-stack reads miss it',
    );
  }
  return { kind: 'local', path };
}
