// How the CLI ends: 0 ok, 1 failed, 2 bad input.
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

/** Thrown by a command that ran and found the lab broken (checks failed): exit 1 without a stack trace. */
export class OperationFailed extends Error {}
