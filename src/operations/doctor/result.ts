// What each doctor check returns: ok with what it saw, or a failure with the fix.
export interface DoctorResult {
  check: string;
  ok: boolean;
  detail: string;
  /** How to fix a failure (empty when ok). */
  fix: string;
}

export type Outcome = Omit<DoctorResult, 'check'>;

export const pass = (detail: string): Outcome => ({ ok: true, detail, fix: '' });
export const fail = (detail: string, fix: string): Outcome => ({ ok: false, detail, fix });

/** Where a failure's fix is written down. */
export const SETUP = 'docs/setup.md';
export const POLICY = 'docs/iam/tslab-lab-policy.json';
