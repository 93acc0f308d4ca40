// A reporter that ends every run with one line per reason tests were skipped for a missing capability, so a skip is
// never silent even where the main reporter shows only counts (docs/testing.md).
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node';
import { parseSkippedTitle, REQUIRE_VARIABLE } from './capabilities.ts';

interface Skipped {
  capabilities: string[];
  reason: string;
  tests: number;
  files: Set<string>;
}

/** The capability and reason in the title of the test or of the first suite around it that carries them. */
function skipOf(test: TestCase): ReturnType<typeof parseSkippedTitle> {
  for (
    let node: TestCase | TestModule | TestCase['parent'] = test;
    node.type !== 'module';
    node = node.parent
  ) {
    const parsed = parseSkippedTitle(node.name);
    if (parsed) return parsed;
  }
  return undefined;
}

export function skipSummary(modules: readonly TestModule[]): string[] {
  const byReason = new Map<string, Skipped>();
  for (const module of modules) {
    for (const test of module.children.allTests('skipped')) {
      const mark = skipOf(test);
      if (!mark) continue;
      const key = `${mark.capabilities.join(', ')}: ${mark.reason}`;
      const entry = byReason.get(key) ?? { ...mark, tests: 0, files: new Set<string>() };
      entry.tests++;
      entry.files.add(module.relativeModuleId);
      byReason.set(key, entry);
    }
  }
  return [...byReason.values()].map(
    ({ capabilities, reason, tests, files }) =>
      `Skipped ${tests} test${tests === 1 ? '' : 's'} in ${[...files].sort().join(', ')}: ` +
      `${tests === 1 ? 'it needs' : 'they need'} ${capabilities.join(' and ')}, which this machine lacks: ${reason}. ` +
      `${REQUIRE_VARIABLE}=${capabilities.join(',')} makes this a failure (docs/testing.md).`,
  );
}

export default class SkipSummary implements Reporter {
  private vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunEnd(modules: readonly TestModule[]): void {
    for (const line of skipSummary(modules)) this.vitest?.logger.log(line);
  }
}
