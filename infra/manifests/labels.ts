// Labels every in-cluster object of a lab carries, so validate and teardown can select them.
import type { LabConfig } from '../../src/lab/config.ts';

export const LAB_LABEL = 'tslab/lab';
export const PART_OF = 'tslab';

export function labLabels(lab: LabConfig, component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': component, 'app.kubernetes.io/part-of': PART_OF, [LAB_LABEL]: lab.id };
}

/** The subset a workload's selector uses: stable across label additions, so Deployments never need replacing. */
export function selectorLabels(lab: LabConfig, component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': component, [LAB_LABEL]: lab.id };
}
