// An AWS session that ran out mid-run. STS and S3 answer ExpiredToken, EKS ExpiredTokenException, EC2 RequestExpired
// (docs/design/interruptions.md §4); terraform's AWS provider prints the same codes in its diagnostics.
import { errorMessage } from '../../lab/errors.ts';

const EXPIRED_CODES = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']);
const EXPIRED_TEXT =
  /\b(ExpiredToken(Exception)?|RequestExpired)\b|security token included in the request is expired/i;

/** True for the SDK's expired-session errors and for failures (terraform's included) whose message names one. */
export function isExpiredSession(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const name = (current as { name?: unknown }).name;
    if (typeof name === 'string' && EXPIRED_CODES.has(name)) return true;
    if (EXPIRED_TEXT.test(errorMessage(current))) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** What to tell a user whose run died of an expired session: nothing is lost, and how to go on. */
export function expiredSessionAdvice(verb: string): string {
  return (
    `the AWS session expired during ${verb}. Nothing is lost: state, lab records and terraform's locks are where the ` +
    'run left them. Run it again with fresh credentials and it resumes from state; give the role a longer session ' +
    "(role-duration-seconds and the role's MaxSessionDuration, docs/setup.md) so a whole job fits in one"
  );
}
