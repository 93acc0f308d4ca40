// The aws target: up, validate and down of one lab on AWS, through the clients of LabDependencies.
import type { AwsClients } from '../../clients/aws/clients.ts';
import type { LabConfig } from '../../lab/config.ts';
import type { AwsRunDeps } from './run-deps.ts';
import {
  operatorCredentialIssue,
  terraformEnvironment,
  type LabCredentials,
  type TailscaleCredential,
} from '../credentials.ts';
import { LabConfigError } from '../../lab/errors.ts';
import { withDefaults } from './default-dependencies.ts';
import { timelineOf, type LabTarget, type OperationIo } from '../lab-target.ts';
import { stateRegion, type OpenLabOptions } from '../open-lab.ts';
import { downAwsLab } from './teardown.ts';
import { validateAwsLab } from './validate.ts';

export function awsTarget(lab: LabConfig, options: OpenLabOptions): LabTarget {
  const dependencies = withDefaults(options.dependencies);
  let clients: AwsClients | undefined;
  const aws = (): AwsClients => (clients ??= dependencies.awsClients(lab.region, stateRegion(lab)));
  const tailscale = () =>
    dependencies.tailscaleApi(credential(options.credentials, 'tailscale'), lab.tailnet.name);
  const connectCluster = (l: LabConfig) => dependencies.connectCluster(l, aws());
  const runDeps = (io: OperationIo): AwsRunDeps => ({
    outdir: options.outdir,
    env: terraformEnvironment(options.credentials),
    ...(options.pluginCacheDir ? { pluginCacheDir: options.pluginCacheDir } : {}),
    tailscale: tailscale(),
    aws: aws(),
    ...(dependencies.terraform ? { terraform: dependencies.terraform } : {}),
    ...io,
  });

  return {
    async up(io = {}) {
      const issue = operatorCredentialIssue(lab.tailnet.operatorAuth, options.credentials);
      if (issue) throw new LabConfigError([issue]);
      if (!options.provisioners) throw new Error('this entry point does not provision labs');
      const result = await options.provisioners.aws(lab, runDeps(io));
      return {
        lab: result.lab,
        outputs: result.outputs,
        stacks: result.stacks,
        cost: result.cost,
        timeline: timelineOf(result.startedAtMs, result.stacks, result.waits),
      };
    },
    validate(validateOptions = {}) {
      return validateAwsLab(lab, { aws: aws(), tailscale: tailscale(), connectCluster }, validateOptions);
    },
    async down(io = {}) {
      const report = await downAwsLab(lab, { ...runDeps(io), connectCluster });
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
function credential(credentials: LabCredentials, kind: keyof LabCredentials): TailscaleCredential {
  const found = credentials[kind];
  if (!found) throw new Error(`the ${kind} credential is required on the aws target`);
  return found;
}
