// The lab every infra/workloads test starts from, with a fixed clock so nonces and expiries are stable.
import { resolveLab, type LabConfig } from '../../../src/lab/config.ts';
import type { LabInput } from '../../../src/lab/schema.ts';

export const NOW = new Date('2026-01-01T00:00:00Z');

export function demoLab(overrides: Partial<LabInput> = {}): LabConfig {
  return resolveLab({ lab: 'demo', ...overrides }, { now: NOW });
}
