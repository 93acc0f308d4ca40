// The code that brings a lab up, handed to openLab by the entry points that provision (the provision action, the
// CLI). The validate and teardown actions never import it, so their bundles carry no synth (cdktf, the providers).
import { upLocalLab } from './local/provision.ts';
import type { Provisioners } from './open-lab.ts';
import { upAwsLab } from './aws/provision.ts';

export const PROVISIONERS: Provisioners = { aws: upAwsLab, local: upLocalLab };
