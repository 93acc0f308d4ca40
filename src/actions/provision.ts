// actions/provision: apply a lab (AWS: network, cluster, client, wait for the router, workloads; local: the
// namespace lab), set its outputs and write what was created, how long it took and what it costs to the summary.
import * as core from '@actions/core';
import type { ProgressHandler } from '../engine/progress.ts';
import type { StackRun } from '../engine/lifecycle.ts';
import type { LabConfig } from '../lab/config.ts';
import { withAbsoluteStateDir } from '../engine/state-location.ts';
import { resolveExistingLab } from '../operations/lab-identity.ts';
import { labStoreFor } from '../operations/lab-store.ts';
import { estimateHourlyCost } from '../lab/cost.ts';
import { WORKLOADS_VARIABLES } from '../lab/stack-contract.ts';
import type { ProvisionOutputs } from '../operations/provision-aws.ts';
import {
  localStateDir,
  readLabInput,
  readSecrets,
  requireStateBucket,
  type ActionSecrets,
} from './inputs.ts';
import { logLine, runAction, stackProgress } from './run-action.ts';

export const OUTDIR = '.tslab/synth';

export async function runProvision(): Promise<void> {
  await runAction('provision', async () => {
    const target = core.getInput('target') || 'aws';
    const secrets = readSecrets(target === 'aws' ? ['tailscale', 'operator'] : []);
    // A re-run (every PR push, "re-run failed jobs") keeps the lab's createdAt, slot and expiry: same nonces, same
    // client user data, so nothing is replaced that did not change.
    const input = readLabInput();
    requireStateBucket(input);
    const { lab } = await resolveExistingLab(input, (l) => labStoreFor(withAbsoluteStateDir(l)), {
      localStateDir: localStateDir(),
    });
    const progress = stackProgress();
    const started = Date.now();
    const { outputs, stacks } = await (
      lab.target === 'local'
        ? provisionLocal(lab, progress.handle)
        : provisionAws(lab, secrets, progress.handle)
    ).finally(() => progress.close());
    setOutputs(outputs, lab);
    await writeSummary(lab, outputs, stacks, Date.now() - started);
  });
}

// Each target's code is imported only when used: the bundle starts fast and never loads the other target's SDKs.
async function provisionLocal(lab: LabConfig, onProgress: ProgressHandler) {
  const { upLocalLab } = await import('../operations/local-up.ts');
  const result = await upLocalLab(lab, { outdir: OUTDIR, onProgress, log: logLine });
  const outputs: ProvisionOutputs = {
    labId: lab.id,
    clusterName: '',
    clientInstanceId: '',
    clientTailnetName: lab.client.hostname,
    clientTailnetIp: String(
      (result.outputs['local']?.value('tailnet_addresses') as Record<string, string> | undefined)?.[
        'client'
      ] ?? '',
    ),
    nginxFqdn: lab.workloads.nginxFqdn,
    egressService: `${lab.workloads.namespace}/${lab.workloads.egressServiceName}`,
  };
  return { outputs, stacks: result.stacks };
}

async function provisionAws(lab: LabConfig, secrets: ActionSecrets, onProgress: ProgressHandler) {
  const [{ createAwsClients }, { provisionAwsLab }, { createTailscaleApiClient }] = await Promise.all([
    import('../aws/clients.ts'),
    import('../operations/provision-aws.ts'),
    import('../tailscale/api-client.ts'),
  ]);
  const tailscale = secrets.tailscale!;
  const operator = secrets.operator!;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TAILSCALE_OAUTH_CLIENT_ID: tailscale.id,
    TAILSCALE_OAUTH_CLIENT_SECRET: tailscale.secret,
    [`TF_VAR_${WORKLOADS_VARIABLES.operatorOauthClientId}`]: operator.id,
    [`TF_VAR_${WORKLOADS_VARIABLES.operatorOauthClientSecret}`]: operator.secret,
  };
  const pluginCacheDir = core.getInput('plugin-cache-dir');
  return provisionAwsLab(lab, {
    outdir: OUTDIR,
    env,
    ...(pluginCacheDir ? { pluginCacheDir } : {}),
    tailscale: createTailscaleApiClient({
      clientId: tailscale.id,
      clientSecret: tailscale.secret,
      tailnet: lab.tailnet.name,
    }),
    aws: createAwsClients(lab.region, lab.state.kind === 's3' ? lab.state.region : lab.region),
    onProgress,
    log: logLine,
  });
}

function setOutputs(outputs: ProvisionOutputs, lab: LabConfig): void {
  core.setOutput('lab-id', outputs.labId);
  core.setOutput('cluster-name', outputs.clusterName);
  core.setOutput('client-instance-id', outputs.clientInstanceId);
  core.setOutput('client-tailnet-name', outputs.clientTailnetName);
  core.setOutput('client-tailnet-ip', outputs.clientTailnetIp);
  core.setOutput('nginx-fqdn', outputs.nginxFqdn);
  core.setOutput('egress-service', outputs.egressService);
  core.setOutput(
    'summary',
    JSON.stringify({
      ...outputs,
      target: lab.target,
      slot: lab.slot,
      expiresAt: lab.lifecycle.expiresAt,
      region: lab.region,
    }),
  );
}

async function writeSummary(
  lab: LabConfig,
  outputs: ProvisionOutputs,
  stacks: StackRun[],
  totalMs: number,
): Promise<void> {
  const cost = estimateHourlyCost(lab);
  await core.summary
    .addHeading(`tslab lab ${lab.id} is up (${lab.target})`, 2)
    .addTable([
      [
        { data: 'stack', header: true },
        { data: 'took', header: true },
        { data: 'added', header: true },
        { data: 'changed', header: true },
        { data: 'destroyed', header: true },
      ],
      ...stacks.map((s) => [
        s.id,
        `${(s.durationMs / 1000).toFixed(1)} s`,
        String(s.changes.add),
        String(s.changes.change),
        String(s.changes.remove),
      ]),
    ])
    .addRaw(
      `Total ${(totalMs / 1000).toFixed(1)} s. Expires ${lab.lifecycle.expiresAt} (slot ${lab.slot}).`,
      true,
    )
    .addList([
      `nginx: ${outputs.nginxFqdn} (split DNS ${lab.cluster.dnsDomain} → ${lab.network.kubeDnsIp})`,
      `client: ${outputs.clientTailnetName} ${outputs.clientTailnetIp}`,
      `egress service: ${outputs.egressService}`,
    ])
    .addRaw(
      lab.target === 'aws'
        ? `Estimated cost: about $${cost.hourlyUsd.toFixed(3)}/h (${cost.lines.map((l) => `${l.item} ${l.hourlyUsd === undefined ? '?' : `$${l.hourlyUsd.toFixed(3)}`}`).join(', ')}).`
        : 'Local lab: no cloud cost.',
      true,
    )
    .write();
}
