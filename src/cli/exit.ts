// How the CLI ends: 0 ok, 1 failed, 2 bad input; 130/143 stopped by SIGINT/SIGTERM (128 + the signal, as shells do).
export const EXIT = { ok: 0, failed: 1, badInput: 2, sigint: 130, sigterm: 143 } as const;

/** Thrown by a command that ran and found the lab broken (checks failed): exit 1 without a stack trace. */
export class OperationFailed extends Error {}
