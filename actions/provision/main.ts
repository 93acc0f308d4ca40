// The provision action's entry: everything it does lives in the core library (src/actions/provision.ts).
import { runProvision } from '../../src/actions/provision.ts';

await runProvision();
