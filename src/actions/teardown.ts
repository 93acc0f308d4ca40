// actions/teardown: remove one lab from its id alone (a second run is a no-op), or with mode sweep every lab past
// its expiry (dry-run by default for manual runs). Lists what was removed in an output and in the summary.
import * as core from '@actions/core';
import { S3ManifestStore } from '../engine/manifest.ts';
import { withAbsoluteStateDir } from '../engine/state-location.ts';
import { LabConfigError } from '../lab/errors.ts';
import { AWS_REGION } from '../lab/schema.ts';
import { resolveExistingLab } from '../operations/lab-identity.ts';
import { labStoreFor } from '../operations/lab-store.ts';
import { localStateDir, readBooleanInput, readLabInput, readSecrets } from './inputs.ts';
import { logLine, runAction, stackProgress } from './run-action.ts';

const OUTDIR = '.tslab/synth';

export async function runTeardown(): Promise<void> {
  await runAction('teardown', async () => {
    const mode = core.getInput('mode') || 'teardown';
    if (mode !== 'teardown' && mode !== 'sweep') {
      throw new LabConfigError([{ field: 'mode', value: mode, rule: "must be 'teardown' or 'sweep'" }]);
    }
    const target = core.getInput('target') || 'aws';
    const secrets = readSecrets(target === 'aws' ? ['tailscale'] : []);
    if (mode === 'sweep') return sweepAction(secrets);

    const { lab } = await resolveExistingLab(readLabInput(), (l) => labStoreFor(withAbsoluteStateDir(l)), {
      localStateDir: localStateDir(),
    });
    const progress = stackProgress();
    const onProgress = progress.handle;
    if (lab.target === 'local') {
      const { downLocalLab } = await import('../operations/local-lab.ts');
      const result = await downLocalLab(lab, { outdir: OUTDIR, onProgress, log: logLine }).finally(() =>
        progress.close(),
      );
      const removed = [
        ...result.stacks.filter((s) => s.outcome === 'destroyed').map((s) => `stack ${s.id}`),
        ...result.swept.map((n) => `namespace ${n}`),
      ];
      core.setOutput('removed', JSON.stringify(removed));
      await core.summary
        .addHeading(`tslab lab ${lab.id} torn down (local)`, 2)
        .addList(removed.length ? removed : ['nothing to remove'])
        .write();
      return;
    }
    if (lab.state.kind !== 's3') {
      throw new LabConfigError([
        { field: 'state-bucket', value: '', rule: 'is required for the aws target' },
      ]);
    }
    const tailscale = secrets.tailscale!;
    const { createAwsClients, createTailscaleApiClient, teardownAwsLab } = await awsModules();
    const report = await teardownAwsLab(lab, {
      outdir: OUTDIR,
      env: {
        ...process.env,
        TAILSCALE_OAUTH_CLIENT_ID: tailscale.id,
        TAILSCALE_OAUTH_CLIENT_SECRET: tailscale.secret,
      },
      tailscale: createTailscaleApiClient({
        clientId: tailscale.id,
        clientSecret: tailscale.secret,
        tailnet: lab.tailnet.name,
      }),
      aws: createAwsClients(lab.region, lab.state.region),
      onProgress,
      log: logLine,
    }).finally(() => progress.close());
    const removed = [
      ...report.destroy.stacks
        .filter((s) => s.outcome === 'destroyed')
        .map((s) => `stack ${s.id} (${s.resourcesDestroyed} resources)`),
      ...report.inCluster,
      ...report.leftovers.map((l) => `${l.kind} ${l.id}`),
      ...report.devices.map((d) => `tailnet device ${d.hostname}`),
    ];
    core.setOutput('removed', JSON.stringify(removed));
    for (const warning of report.warnings) core.warning(warning);
    await core.summary
      .addHeading(`tslab lab ${lab.id} torn down`, 2)
      .addList(removed.length ? removed : ['nothing to remove: the lab was already gone'])
      .write();
    if (report.remaining.length)
      throw new Error(`resources still tagged for lab ${lab.id}: ${report.remaining.join(', ')}`);
  });
}

async function sweepAction(secrets: ReturnType<typeof readSecrets>): Promise<void> {
  const bucket = core.getInput('state-bucket', { required: true });
  const region = core.getInput('region') || 'us-east-1';
  const stateRegion = core.getInput('state-region') || region;
  for (const [field, value] of [
    ['region', region],
    ['state-region', stateRegion],
  ] as const) {
    if (!AWS_REGION.test(value)) {
      throw new LabConfigError([{ field, value, rule: "must be an AWS region such as 'eu-west-1'" }]);
    }
  }
  const dryRun = readBooleanInput('dry-run', true);
  const concurrency = Number(core.getInput('concurrency') || '3');
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10) {
    throw new LabConfigError([
      {
        field: 'concurrency',
        value: core.getInput('concurrency'),
        rule: 'must be a whole number from 1 to 10',
      },
    ]);
  }
  const { createAwsClients, createTailscaleApiClient } = await awsModules();
  const { sweepExpiredLabs } = await import('../operations/sweep-labs.ts');
  const aws = createAwsClients(region, stateRegion);
  const tailscale = secrets.tailscale!;
  const outcomes = await sweepExpiredLabs({
    aws,
    store: new S3ManifestStore(aws.s3, bucket),
    stateBucket: bucket,
    stateRegion,
    dryRun,
    concurrency,
    now: new Date(),
    tailscale: createTailscaleApiClient({ clientId: tailscale.id, clientSecret: tailscale.secret }),
    env: {
      ...process.env,
      TAILSCALE_OAUTH_CLIENT_ID: tailscale.id,
      TAILSCALE_OAUTH_CLIENT_SECRET: tailscale.secret,
    },
    log: logLine,
  });
  core.setOutput('removed', JSON.stringify(outcomes));
  await core.summary
    .addHeading(`tslab sweep${dryRun ? ' (dry run: nothing removed)' : ''}`, 2)
    .addTable([
      [
        { data: 'lab', header: true },
        { data: 'expired', header: true },
        { data: 'result', header: true },
      ],
      ...outcomes.map((o) => [o.lab, o.expiresAt, `${o.result}${o.detail ? `: ${o.detail}` : ''}`]),
    ])
    .write();
  const failed = outcomes.filter((o) => o.result === 'failed');
  if (failed.length) throw new Error(`could not remove ${failed.map((o) => o.lab).join(', ')}`);
}

/** The AWS side is imported only when used: the bundle starts fast and a local teardown never loads the SDKs. */
async function awsModules() {
  const [clients, tailscale, teardown] = await Promise.all([
    import('../aws/clients.ts'),
    import('../tailscale/api-client.ts'),
    import('../operations/teardown-aws.ts'),
  ]);
  return {
    createAwsClients: clients.createAwsClients,
    createTailscaleApiClient: tailscale.createTailscaleApiClient,
    teardownAwsLab: teardown.teardownAwsLab,
  };
}
