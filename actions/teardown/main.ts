// The teardown action's entry: everything it does lives in the core library (src/actions/teardown.ts).
import { runTeardown } from '../../src/actions/teardown.ts';

await runTeardown();
