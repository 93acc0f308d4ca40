import { defineConfig } from 'vitest/config';
import { CAPABILITY_TAGS } from './test/support/capabilities.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
    // No test file loads without terraform at the engine's minimum, nor without what TSLAB_TESTS_REQUIRE promises.
    globalSetup: ['test/support/required-tools.ts'],
    // Tests skipped for a missing capability are named, with the reason, in one line per reason at the end.
    reporters: ['default', './test/support/skip-summary.ts'],
    // requires() tags each gated test with what it needs: `vitest run --tags-filter local-lab` runs those alone.
    tags: CAPABILITY_TAGS,
  },
});
