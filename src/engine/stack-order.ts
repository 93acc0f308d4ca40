// What the engine knows about a synthesized stack, and the order stacks are applied and destroyed in.
// Free of cdktf on purpose: only synth.ts may import it, so a move to cdktn or plain Terraform JSON stays cheap.

/** Where a stack keeps its state, read from the synthesized `terraform.backend` block. */
export type StackBackend =
  | { kind: 'local'; path: string }
  /** `bucket` and `key` for S3: where the state object (and terraform's lock object beside it) is. */
  | { kind: 'remote'; type: string; bucket?: string | undefined; key?: string | undefined };

export interface SynthesizedStack {
  /** Stack id as the manifest and the CLI know it, e.g. "network". */
  id: string;
  /** Absolute directory holding the stack's Terraform JSON; terraform runs there. */
  workingDirectory: string;
  /** Ids of the stacks this one reads outputs from (they must be applied first). */
  dependencies: string[];
  backend: StackBackend;
}

/** Stacks sorted so each comes after everything it depends on; ties keep their given order. */
export function applyOrder(stacks: readonly SynthesizedStack[]): SynthesizedStack[] {
  const byId = new Map(stacks.map((stack) => [stack.id, stack]));
  for (const stack of stacks) {
    for (const dependency of stack.dependencies) {
      if (!byId.has(dependency)) {
        throw new Error(
          `Stack '${stack.id}' depends on '${dependency}', which is not among the synthesized stacks`,
        );
      }
    }
  }
  const ordered: SynthesizedStack[] = [];
  const placed = new Set<string>();
  let remaining = [...stacks];
  while (remaining.length > 0) {
    const ready = remaining.filter((stack) =>
      stack.dependencies.every((dependency) => placed.has(dependency)),
    );
    if (ready.length === 0) {
      throw new Error(
        `Stacks depend on each other in a cycle: ${remaining.map((stack) => stack.id).join(', ')}`,
      );
    }
    for (const stack of ready) {
      ordered.push(stack);
      placed.add(stack.id);
    }
    remaining = remaining.filter((stack) => !placed.has(stack.id));
  }
  return ordered;
}

/** The reverse of the apply order: a stack is destroyed before the stacks it reads from. */
export function destroyOrder(stacks: readonly SynthesizedStack[]): SynthesizedStack[] {
  return applyOrder(stacks).reverse();
}
