// The aws target: provision, validate and teardown of one lab on AWS, in its home, through the clients of
// LabDependencies.
import type { AwsClients } from '../../clients/aws/clients.ts';
import type { LabHome } from '../../home/lab-home.ts';
import { LabConfigError } from '../../lab/errors.ts';
import {
  operatorCredentialIssue,
  type CredentialKind,
  type LabCredentials,
  type TailscaleCredential,
} from '../credentials.ts';
import type { LabDependencies } from '../dependencies.ts';
import { timelineOf, type LabTarget } from '../lab-target.ts';
import type { Provisioners } from '../provisioners.ts';
import { withDefaults } from './default-dependencies.ts';
import type { AwsServices } from './services.ts';
import { teardownAwsLab } from './teardown.ts';
import { validateAwsLab } from './validate.ts';

export interface AwsTargetOptions {
  credentials: LabCredentials;
  dependencies?: Partial<LabDependencies> | undefined;
  provisioners?: Provisioners | undefined;
}

export function awsTarget(home: LabHome, options: AwsTargetOptions): LabTarget {
  const { lab } = home;
  const dependencies = withDefaults(options.dependencies);
  let clients: AwsClients | undefined;
  const aws = (): AwsClients => (clients ??= dependencies.awsClients(lab.region, home.stateRegion));
  const services = (): AwsServices => ({
    aws: aws(),
    tailscale: dependencies.tailscaleApi(credential(options.credentials, 'tailscale'), lab.tailnet.name),
    connectCluster: (l) => dependencies.connectCluster(l, aws()),
  });

  return {
    async provision(io = {}) {
      const issue = operatorCredentialIssue(lab.target, lab.tailnet.operatorAuth, options.credentials);
      if (issue) throw new LabConfigError([issue]);
      if (!options.provisioners) throw new Error('this entry point does not provision labs');
      const result = await options.provisioners.aws(home, services(), io);
      return {
        lab: result.lab,
        outputs: result.outputs,
        stacks: result.stacks,
        cost: result.cost,
        timeline: timelineOf(result.startedAtMs, result.stacks, result.waits),
        notes: [
          JSON.stringify(result.outputs, null, 2),
          `estimated cost: $${result.cost.hourlyUsd.toFixed(3)}/h`,
        ],
      };
    },
    validate(validateOptions = {}) {
      return validateAwsLab(lab, services(), validateOptions);
    },
    async teardown(io = {}) {
      const report = await teardownAwsLab(home, services(), io);
      return {
        removed: [
          ...report.destroy.stacks
            .filter((s) => s.outcome === 'destroyed')
            .map((s) => `stack ${s.id} (${s.resourcesDestroyed} resources)`),
          ...report.inCluster,
          ...report.leftovers.map((l) => `${l.kind} ${l.id}`),
          ...report.devices.map((d) => `tailnet device ${d.hostname}`),
        ],
        warnings: report.warnings,
        remaining: report.remaining,
        timeline: timelineOf(report.destroy.startedAtMs, report.destroy.stacks),
      };
    },
  };
}

/** The adapters check credentials before any cloud call; this only guards a caller that did not. */
function credential(credentials: LabCredentials, kind: CredentialKind): TailscaleCredential {
  const found = credentials[kind];
  if (!found) throw new Error(`the ${kind} credential is required on the aws target`);
  return found;
}
