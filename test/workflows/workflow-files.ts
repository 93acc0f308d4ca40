// The repository's workflows and local actions, parsed once for the structural tests. Shapes are narrowed only as
// far as the tests read them; anything unexpected fails the parse loudly rather than passing silently.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const WORKFLOW_DIR = `${REPO_ROOT}.github/workflows`;

export interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  'continue-on-error'?: boolean;
}

export interface Job {
  name?: string;
  needs?: string | string[];
  if?: string;
  uses?: string;
  with?: Record<string, unknown>;
  secrets?: Record<string, unknown> | 'inherit';
  permissions?: Record<string, string> | string;
  environment?: string | { name: string; url?: string };
  concurrency?: { group: string; 'cancel-in-progress'?: boolean | string } | string;
  outputs?: Record<string, string>;
  env?: Record<string, unknown>;
  steps?: Step[];
}

export interface InputSpec {
  description?: string;
  type?: string;
  required?: boolean;
  default?: unknown;
  options?: string[];
}

export interface Workflow {
  name?: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string> | string;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean | string } | string;
  env?: Record<string, unknown>;
  jobs: Record<string, Job>;
}

export interface WorkflowFile {
  file: string;
  text: string;
  workflow: Workflow;
}

export function loadWorkflows(): WorkflowFile[] {
  return readdirSync(WORKFLOW_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((file) => {
      const text = readFileSync(`${WORKFLOW_DIR}/${file}`, 'utf8');
      // `on` must stay a key: YAML 1.1 would read it as true, and the yaml package defaults to 1.2.
      const workflow = parse(text) as Workflow;
      if (!workflow || typeof workflow.on !== 'object' || typeof workflow.jobs !== 'object') {
        throw new Error(`${file}: not a workflow (no 'on' map or 'jobs' map)`);
      }
      return { file, text, workflow };
    });
}

export function workflow(file: string): Workflow {
  const found = loadWorkflows().find((w) => w.file === file);
  if (!found) throw new Error(`.github/workflows/${file} does not exist`);
  return found.workflow;
}

export interface ActionMetadata {
  inputs: Record<string, InputSpec>;
  outputs: Record<string, unknown>;
}

/** actions/<name>/action.yml, for a `uses: ./actions/<name>` reference. */
export function localAction(uses: string): ActionMetadata {
  const name = /^\.\/actions\/([a-z0-9-]+)$/.exec(uses)?.[1];
  if (!name) throw new Error(`'${uses}' is not a reference to ./actions/<name>`);
  const metadata = parse(
    readFileSync(`${REPO_ROOT}actions/${name}/action.yml`, 'utf8'),
  ) as Partial<ActionMetadata>;
  return { inputs: metadata.inputs ?? {}, outputs: metadata.outputs ?? {} };
}

export function needsOf(job: Job): string[] {
  if (job.needs === undefined) return [];
  return Array.isArray(job.needs) ? job.needs : [job.needs];
}

export function permissionsOf(scope: {
  permissions?: Record<string, string> | string;
}): Record<string, string> {
  if (scope.permissions === undefined) return {};
  if (typeof scope.permissions === 'string') {
    throw new Error(`permissions: ${scope.permissions} grants every scope at once; list the scopes instead`);
  }
  return scope.permissions;
}

/** Every `${{ … }}` body in a text, plus the bare `if:` conditions (implicit expressions). */
export function expressionsIn(text: string): string[] {
  const found = [...text.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map((m) => m[1]!.trim());
  for (const m of text.matchAll(/^\s*(?:-\s+)?if:\s*(.+)$/gm)) {
    if (!m[1]!.includes('${{')) found.push(m[1]!.trim());
  }
  return found;
}

/** Names read through `<context>.<name>` (or `<context>['name']`) in the given expressions. */
export function contextReads(
  expressions: readonly string[],
  context: 'inputs' | 'secrets' | 'vars',
): Set<string> {
  const names = new Set<string>();
  const dotted = new RegExp(`(?<![\\w.-])${context}\\.([A-Za-z_][A-Za-z0-9_-]*)`, 'g');
  const indexed = new RegExp(`(?<![\\w.-])${context}\\[['"]([^'"]+)['"]\\]`, 'g');
  for (const expression of expressions) {
    for (const m of expression.matchAll(dotted)) names.add(m[1]!);
    for (const m of expression.matchAll(indexed)) names.add(m[1]!);
  }
  return names;
}

/** Non-local `uses:` references of steps and jobs, with the source line each sits on. */
export function remoteUses(file: WorkflowFile): { ref: string; line: string }[] {
  const lines = file.text.split('\n');
  return lines
    .map((line) => ({ line, ref: /^\s*(?:-\s+)?uses:\s*(\S+)/.exec(line)?.[1] }))
    .filter((u): u is { line: string; ref: string } => u.ref !== undefined && !u.ref.startsWith('./'));
}

export function jobsRunningAction(wf: Workflow, action: string): string[] {
  return Object.entries(wf.jobs)
    .filter(([, job]) => (job.steps ?? []).some((s) => s.uses?.split('@')[0] === action))
    .map(([id]) => id);
}

/**
 * Every fenced YAML block of README.md and docs/**\/*.md: the workflows a reader copies. Each must be a whole
 * workflow (an `on` and a `jobs` map), so that it is linted and held to the rules of the repository's own.
 */
export function loadDocExamples(): WorkflowFile[] {
  const documents = ['README.md', ...markdownUnder('docs')];
  return documents.flatMap((document) => {
    const text = readFileSync(`${REPO_ROOT}${document}`, 'utf8');
    return [...text.matchAll(/^( *)```ya?ml\n([\s\S]*?)^\1```$/gm)].map((m) => {
      const line = text.slice(0, m.index).split('\n').length;
      const indent = m[1]!.length;
      const body = m[2]!
        .split('\n')
        .map((l) => l.slice(indent))
        .join('\n');
      const file = `${document}:${line}`;
      const workflow = parse(body) as Workflow;
      if (!workflow || workflow.on === undefined || typeof workflow.jobs !== 'object') {
        throw new Error(`${file}: a YAML example must be a whole workflow (with 'on' and a 'jobs' map)`);
      }
      return { file, text: body, workflow };
    });
  });
}

function markdownUnder(dir: string): string[] {
  return readdirSync(`${REPO_ROOT}${dir}`, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? markdownUnder(`${dir}/${entry.name}`)
        : entry.name.endsWith('.md')
          ? [`${dir}/${entry.name}`]
          : [],
    )
    .sort();
}
