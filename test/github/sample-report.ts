import type { CheckResult, ValidationReport } from '../../src/checks/types.ts';

export function check(id: string, status: CheckResult['status'], error?: string): CheckResult {
  return {
    id,
    scenario: id.startsWith('egress') ? 'egress' : 'subnet-router',
    title: `title of ${id}`,
    status,
    durationMs: 1234,
    attempts: 1,
    evidence: {},
    ...(error === undefined ? {} : { error }),
  };
}

export function sampleReport(checks: CheckResult[]): ValidationReport {
  return {
    lab: 'pr-42',
    platform: 'aws',
    passed: checks.every((c) => c.status === 'pass'),
    startedAt: '2026-11-27T10:00:00Z',
    durationMs: 95_000,
    checks,
    notes: [],
  };
}
