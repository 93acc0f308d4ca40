// What each doctor check returns: ok with what it saw, a failure with the fix, or a note that it could not be checked.
export interface DoctorResult {
  check: string;
  ok: boolean;
  detail: string;
  /** How to fix a failure (empty when ok). */
  fix: string;
  /** Ok only because it could not be checked with the credentials at hand: the detail says what was left. */
  skipped?: boolean;
}

export type Outcome = Omit<DoctorResult, 'check'>;

export const pass = (detail: string): Outcome => ({ ok: true, detail, fix: '' });
export const fail = (detail: string, fix: string): Outcome => ({ ok: false, detail, fix });
export const notChecked = (detail: string): Outcome => ({ ok: true, detail, fix: '', skipped: true });

/** Where a failure's fix is written down. */
export const SETUP = 'docs/setup.md';
export const POLICY = 'docs/iam/tslab-lab-policy.json';
