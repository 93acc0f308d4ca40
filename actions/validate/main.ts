// The validate action's entry: everything it does lives in the core library (src/actions/validate.ts).
import { runValidate } from '../../src/actions/validate.ts';

await runValidate();
