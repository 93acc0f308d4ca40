// The data-plane thresholds as users write them (action inputs, CLI flags): positive numbers, checked before any
// cloud call. Unset means report only.
import { LabConfigError, type ConfigIssue } from '../lab/errors.ts';
import type { MeasurementThresholds } from './data-plane.ts';

export interface ThresholdTexts {
  minThroughputMbps?: string | undefined;
  maxLatencyMs?: string | undefined;
}

/** `fieldName` names a threshold as its user knows it: `min-throughput-mbps` or `--min-throughput-mbps`. */
export function parseThresholds(
  texts: ThresholdTexts,
  fieldName: (kebab: string) => string = (kebab) => kebab,
): MeasurementThresholds {
  const issues: ConfigIssue[] = [];
  const read = (text: string | undefined, kebab: string, unit: string): number | undefined => {
    if (text === undefined || text.trim() === '') return undefined;
    const value = Number(text.trim());
    if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(value > 0)) {
      issues.push({ field: fieldName(kebab), value: text, rule: `must be a positive number of ${unit}` });
      return undefined;
    }
    return value;
  };
  const minThroughputMbps = read(texts.minThroughputMbps, 'min-throughput-mbps', 'Mbit/s');
  const maxLatencyMs = read(texts.maxLatencyMs, 'max-latency-ms', 'milliseconds');
  if (issues.length) throw new LabConfigError(issues);
  return {
    ...(minThroughputMbps !== undefined ? { minThroughputMbps } : {}),
    ...(maxLatencyMs !== undefined ? { maxLatencyMs } : {}),
  };
}
