// Region settings given outside a lab's own input (the sweep's), checked before any call and named as the caller
// spells them (`region`, `--region`).
import { LabConfigError } from './errors.ts';
import { AWS_REGION } from './schema.ts';

export function requireAwsRegions(entries: readonly (readonly [field: string, value: string])[]): void {
  const issues = entries
    .filter(([, value]) => !AWS_REGION.test(value))
    .map(([field, value]) => ({ field, value, rule: "must be an AWS region such as 'eu-west-1'" }));
  if (issues.length) throw new LabConfigError(issues);
}
