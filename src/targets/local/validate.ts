// Validate of the local lab: the same checks as on AWS, through the namespaces' probe.
import type { ValidationReport } from '../../checks/types.ts';
import { validateLab, type ValidateOptions } from '../../checks/validate-lab.ts';
import type { LabConfig } from '../../lab/config.ts';
import { LocalLabProbe } from './probe.ts';

export function validateLocalLab(lab: LabConfig, options: ValidateOptions = {}): Promise<ValidationReport> {
  return validateLab(lab, new LocalLabProbe(lab), options);
}
