// The synthesized stacks of a lab, kept beside its state before anything is applied. Teardown restores them and
// destroys from them: it works from the lab id alone, and needs no synth (so no cdktf in its bundle).
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { z } from 'zod';
import type { SynthesizedStack } from './stack-order.ts';

export interface StoredStack {
  id: string;
  dependencies: string[];
  backend: SynthesizedStack['backend'];
  /** Every file of the stack's working directory (Terraform JSON, assets), by relative path. */
  files: Record<string, string>;
}

export interface StackBundle {
  schema: 1;
  stacks: StoredStack[];
}

export interface StackBundleStore {
  saveStacks(lab: string, bundle: StackBundle): Promise<void>;
  loadStacks(lab: string): Promise<StackBundle | undefined>;
}

const bundleSchema = z.object({
  schema: z.literal(1),
  stacks: z.array(
    z.object({
      id: z.string(),
      dependencies: z.array(z.string()),
      backend: z.union([
        z.object({ kind: z.literal('local'), path: z.string() }),
        // Bundles recorded before the S3 location was kept have no bucket or key.
        z.object({
          kind: z.literal('remote'),
          type: z.string(),
          bucket: z.string().optional(),
          key: z.string().optional(),
        }),
      ]),
      files: z.record(z.string(), z.string()),
    }),
  ),
});

export function parseStackBundle(text: string, where: string): StackBundle {
  const parsed = bundleSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(`${where} is not a tslab stack bundle: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** Terraform's own files (plugins, lock info, local state) are not part of a stack's definition. */
const SKIPPED = /(^|\/)\.terraform(\/|$)|\.tfstate(\.backup)?$|\.terraform\.lock\.hcl$|\.tfplan$/;

export async function captureStacks(stacks: readonly SynthesizedStack[]): Promise<StackBundle> {
  const stored: StoredStack[] = [];
  for (const stack of stacks) {
    const files: Record<string, string> = {};
    for (const file of await listFiles(stack.workingDirectory)) {
      const path = relative(stack.workingDirectory, file);
      if (!SKIPPED.test(path)) files[path] = await readFile(file, 'utf8');
    }
    stored.push({ id: stack.id, dependencies: [...stack.dependencies], backend: stack.backend, files });
  }
  return { schema: 1, stacks: stored };
}

/**
 * Writes the stacks under `<outdir>/stacks/<id>` and returns them ready for the lifecycle. Terraform's own files are
 * never restored, even from a bundle that holds them: init writes the stack's lock file from the committed one.
 */
export async function restoreStacks(bundle: StackBundle, outdir: string): Promise<SynthesizedStack[]> {
  const stacks: SynthesizedStack[] = [];
  for (const stack of bundle.stacks) {
    const workingDirectory = join(outdir, 'stacks', stack.id);
    for (const [path, content] of Object.entries(stack.files)) {
      const target = join(workingDirectory, path);
      const inside = relative(workingDirectory, target);
      if (isAbsolute(path) || inside === '' || inside.startsWith('..') || isAbsolute(inside))
        throw new Error(`stack ${stack.id}: unsafe path ${path}`);
      if (SKIPPED.test(path)) continue;
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    stacks.push({ id: stack.id, workingDirectory, dependencies: stack.dependencies, backend: stack.backend });
  }
  return stacks;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== '.terraform') files.push(...(await listFiles(path)));
    } else if (entry.isFile()) {
      files.push(path);
    }
  }
  return files;
}
