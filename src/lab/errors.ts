/** One broken rule of the lab input: which field, what it held, what it must be. */
export interface ConfigIssue {
  readonly field: string;
  readonly value: unknown;
  readonly rule: string;
}

/** Bad input: raised before anything is synthesized or any cloud API is called (CLI exit code 2). */
export class LabConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'LabConfigError';
    this.issues = issues;
  }
}

/**
 * The same error with each field named as the adapter's user knows it (`--node-count` on the CLI, `node-count` as an
 * action input); fields `rename` does not know keep their name.
 */
export function renameFields(
  error: LabConfigError,
  rename: (field: string) => string | undefined,
): LabConfigError {
  return new LabConfigError(
    error.issues.map((issue) => {
      const [base, index = ''] = /^([^[]+)(\[.*)?$/.exec(issue.field)?.slice(1) ?? [issue.field];
      const named = base === undefined ? undefined : rename(base);
      return named === undefined ? issue : { ...issue, field: `${named}${index}` };
    }),
  );
}

export function formatIssue(issue: ConfigIssue): string {
  return `${issue.field}: ${JSON.stringify(issue.value) ?? 'undefined'} — ${issue.rule}`;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
