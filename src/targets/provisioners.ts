// The code that brings a lab up, handed to openLab by the entry points that provision (the provision action, the
// CLI). The validate and teardown actions never import it, so their bundles carry no synth (cdktf, the providers).
import type { DeployResult } from '../engine/lifecycle.ts';
import type { LabHome, OperationIo } from '../home/lab-home.ts';
import { provisionAwsLab, type AwsProvisionResult } from './aws/provision.ts';
import type { AwsServices } from './aws/services.ts';
import { provisionLocalLab } from './local/provision.ts';

/** The provision of each target, injected so entry points that never provision do not bundle synth. */
export interface Provisioners {
  aws: (home: LabHome, services: AwsServices, io: OperationIo) => Promise<AwsProvisionResult>;
  local: (home: LabHome, io: OperationIo) => Promise<DeployResult>;
}

export const PROVISIONERS: Provisioners = { aws: provisionAwsLab, local: provisionLocalLab };
