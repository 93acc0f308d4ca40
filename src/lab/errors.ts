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

export function formatIssue(issue: ConfigIssue): string {
  return `${issue.field}: ${JSON.stringify(issue.value) ?? 'undefined'} — ${issue.rule}`;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
