// Runs a dependency graph: every node whose predecessors have succeeded starts at once (up to a concurrency limit).
// After a failure nothing new starts; nodes already running finish (a terraform run is never abandoned half-way),
// then the first failure is thrown. Free of terraform: the lifecycle gives it stacks and waits as nodes.

export interface GraphNode {
  id: string;
  /** Ids of the nodes that must succeed before this one starts. */
  after: readonly string[];
}

export interface GraphOptions {
  /** At most this many nodes at once (default: no limit). 1 runs the nodes one after another, in the given order. */
  concurrency?: number;
}

export async function runGraph(
  nodes: readonly GraphNode[],
  run: (id: string) => Promise<void>,
  options: GraphOptions = {},
): Promise<void> {
  const ids = new Set(nodes.map((node) => node.id));
  for (const node of nodes) {
    for (const before of node.after) {
      if (!ids.has(before))
        throw new Error(`'${node.id}' comes after '${before}', which is not in the graph`);
    }
  }
  const limit = options.concurrency ?? Infinity;
  const done = new Set<string>();
  const started = new Set<string>();
  let running = 0;
  let failure: { error: unknown } | undefined;

  return new Promise<void>((resolve, reject) => {
    const finish = () => {
      if (running > 0) return;
      if (failure) return reject(failure.error as Error);
      if (done.size === nodes.length) return resolve();
      reject(
        new Error(
          `Nodes depend on each other in a cycle: ${nodes
            .filter((n) => !done.has(n.id))
            .map((n) => n.id)
            .join(', ')}`,
        ),
      );
    };
    const startReady = () => {
      if (failure) return finish();
      for (const node of nodes) {
        if (running >= limit) break;
        if (started.has(node.id) || !node.after.every((id) => done.has(id))) continue;
        started.add(node.id);
        running++;
        run(node.id).then(
          () => {
            done.add(node.id);
            running--;
            startReady();
          },
          (error: unknown) => {
            failure ??= { error };
            running--;
            startReady();
          },
        );
      }
      finish();
    };
    startReady();
  });
}
