// Which AWS errors a teardown waits out: throttling, server faults and dependencies AWS releases with a delay (ENIs of a
// deleted load balancer). The SDK names the error code in `name`; the message alone is not enough: EC2 answers a
// blocked DeleteSecurityGroup with code DependencyViolation and "resource sg-… has a dependent object".
import { errorMessage } from '../../lab/errors.ts';

const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
]);

const DEPENDENCY_CODES = new Set(['DependencyViolation', 'ResourceInUse', 'ResourceInUseException']);
const DEPENDENCY_MESSAGE =
  /DependencyViolation|has a dependent object|has dependencies|currently in use|in use/i;

interface AwsErrorShape {
  name?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

function shape(error: unknown): AwsErrorShape {
  return error !== null && typeof error === 'object' ? (error as AwsErrorShape) : {};
}

export function isThrottling(error: unknown): boolean {
  const { name, $metadata } = shape(error);
  return (typeof name === 'string' && THROTTLING_CODES.has(name)) || $metadata?.httpStatusCode === 429;
}

export function isServerFault(error: unknown): boolean {
  const { $fault, $metadata } = shape(error);
  const status = $metadata?.httpStatusCode;
  return $fault === 'server' || (typeof status === 'number' && status >= 500);
}

export function isDependencyViolation(error: unknown): boolean {
  const { name } = shape(error);
  return (
    (typeof name === 'string' && DEPENDENCY_CODES.has(name)) || DEPENDENCY_MESSAGE.test(errorMessage(error))
  );
}

/** Worth another attempt after a backoff; anything else (access denied, bad input) fails at once. */
export function isTransientAwsError(error: unknown): boolean {
  return isThrottling(error) || isServerFault(error) || isDependencyViolation(error);
}
