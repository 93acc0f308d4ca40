import type { LabConfig } from '../lab/config.ts';
import type { MeasurementThresholds, ScenarioMeasurement } from './data-plane.ts';
import type { HopCapture, LabProbe } from './probe.ts';

export type Scenario = 'subnet-router' | 'egress' | 'exposure';
export type CheckStatus = 'pass' | 'fail' | 'skip';

/** What a check saw: plain JSON, shown in reports. */
export type Evidence = Record<string, unknown>;

export interface CheckContext {
  lab: LabConfig;
  probe: LabProbe;
  /** Results of the checks this one depends on, by id (only passed ones are present). */
  upstream: ReadonlyMap<string, Evidence>;
  /** The user's data-plane thresholds; absent ones are report only. */
  thresholds?: MeasurementThresholds;
}

export interface CheckDefinition {
  id: string;
  scenario: Scenario;
  title: string;
  /** Checks whose evidence this one reads; if one of them did not pass, this one is skipped. */
  dependsOn?: string[];
  /** Route approval, DNS and proxies take time to settle: a failing attempt is retried until the deadline. */
  settles?: boolean;
  /**
   * A measurement: runs after every other check has ended, one at a time (so it neither disturbs nor is disturbed
   * by anything), once, within its own deadline.
   */
  measures?: { timeoutMs: number };
  run(context: CheckContext): Promise<Evidence>;
}

export interface CheckResult {
  id: string;
  scenario: Scenario;
  title: string;
  status: CheckStatus;
  durationMs: number;
  attempts: number;
  evidence: Evidence;
  error?: string;
}

export interface ValidationReport {
  lab: string;
  platform: 'aws' | 'local';
  passed: boolean;
  startedAt: string;
  durationMs: number;
  checks: CheckResult[];
  notes: string[];
  packetPaths?: { scenario: 'subnet-router' | 'egress'; hops: HopCapture[] }[];
  /** Throughput, latency, path and MTU of each scenario that was measured (its throughput check's evidence). */
  measurements?: ScenarioMeasurement[];
}

/** Thrown by a check to fail with evidence attached. */
export class CheckFailure extends Error {
  readonly evidence: Evidence;

  constructor(message: string, evidence: Evidence = {}) {
    super(message);
    this.name = 'CheckFailure';
    this.evidence = evidence;
  }
}
