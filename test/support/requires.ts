// The one way a test is gated on what the machine offers (docs/testing.md): `requires('local-lab').describe(...)`
// runs the suite where the local lab can run, skips it elsewhere with the reason in its title (and in the run's
// summary line: skip-summary.ts), and fails it where TSLAB_TESTS_REQUIRE promised the capability. Each capability
// is a tag on what needs it, so `vitest run --tags-filter local-lab` runs just those tests.
import { describe, it, type TestFunction } from 'vitest';
import {
  decide,
  missingReason,
  promisedCapabilities,
  type Capability,
  type Decision,
} from './capabilities.ts';

export interface Gate {
  describe(name: string, body: () => void): void;
  it(name: string, fn: TestFunction, timeout?: number): void;
}

export function requires(...needed: Capability[]): Gate {
  const promised = promisedCapabilities();
  const tags = [...needed];
  const decision = (name: string): Decision => decide(name, needed, missingReason, promised);
  const broken = (message: string) => () => {
    throw new Error(message);
  };
  return {
    describe(name, body) {
      const d = decision(name);
      if (d.mode === 'run') describe(name, { tags }, body);
      else if (d.mode === 'skip') describe.skip(d.title, { tags }, body);
      // The suite's own hooks would set up what is missing: one failing test says what the promise lacks.
      else describe(name, { tags }, () => it('has what TSLAB_TESTS_REQUIRE promised', broken(d.message)));
    },
    it(name, fn, timeout) {
      const d = decision(name);
      const options = timeout === undefined ? { tags } : { tags, timeout };
      if (d.mode === 'run') it(name, options, fn);
      else if (d.mode === 'skip') it.skip(d.title, options, fn);
      else it(name, { tags }, broken(d.message));
    },
  };
}
