// The `tslab-<lab>-<what>` spelling of the names a lab gives its resources: AWS Name tags, tailnet hostnames,
// Kubernetes objects. Written once, so console listings group a lab's resources and the checks find what infra named.
export function labResourceName(labId: string, what?: string): string {
  return what ? `tslab-${labId}-${what}` : `tslab-${labId}`;
}
