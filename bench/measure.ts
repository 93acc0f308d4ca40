// Small helpers for the benchmark scripts: run a command several times, report the median, print a figure line.
import { spawnSync } from 'node:child_process';

export interface Sample {
  ms: number;
  maxRssMb?: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Runs `node args` `runs` times; the child prints its own max RSS when asked (see synth-child.ts). */
export function timeNode(args: string[], runs: number, env: NodeJS.ProcessEnv = {}): Sample[] {
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, ...env } });
    const ms = performance.now() - started;
    const rss = /maxRssKb=(\d+)/.exec(result.stdout);
    samples.push({ ms, ...(rss ? { maxRssMb: Number(rss[1]) / 1024 } : {}) });
  }
  return samples;
}

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  budget: number | null;
}

/** Every figure reported in this process, for bench-results.json. */
export const RESULTS: BenchResult[] = [];

/** Prints a figure against its budget; `key` names it in bench-results.json (default: the printed name). */
export function report(name: string, value: number, unit: string, budget: number, key?: string): boolean {
  const ok = value <= budget;
  RESULTS.push({ name: key ?? name, value: Number(value.toFixed(3)), unit, budget });
  console.log(
    `${ok ? 'ok  ' : 'OVER'} ${name.padEnd(44)} ${value.toFixed(digits(unit)).padStart(8)} ${unit}  (budget ${Number(budget.toFixed(digits(unit)))} ${unit})`,
  );
  return ok;
}

/** Decimals worth printing: whole milliseconds, hundredths of a ratio (0.83× is not 0.8×), tenths otherwise. */
function digits(unit: string): number {
  return unit === 'ms' ? 0 : unit === 'x' ? 2 : 1;
}

/** A figure with no budget of its own (a baseline the budgets of others are computed from). */
export function note(name: string, value: number, unit: string, key: string): void {
  RESULTS.push({ name: key, value: Number(value.toFixed(3)), unit, budget: null });
  console.log(`     ${name.padEnd(44)} ${value.toFixed(1).padStart(8)} ${unit}`);
}
