// Benchmarks (figures, not tests): synth time and memory, action cold starts, validation with fake latency, a sweep
// of 1,000 fake labs, the local lab end to end with its data-plane figures, the timeline model and the runner's
// overhead. Prints one line per figure with its budget from the issues.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mockClient } from 'aws-sdk-client-mock';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { resolveLab } from '../src/lab/config.ts';
import { CHECKS } from '../src/checks/definitions.ts';
import type { ValidationReport } from '../src/checks/types.ts';
import { validateLab } from '../src/checks/validate-lab.ts';
import { expiredLabs } from '../src/sweep/expired-labs.ts';
import { scanTaggedLabs } from '../src/clients/aws/lab-resources.ts';
import { sweep } from '../src/sweep/sweep.ts';
import { buildManifest } from '../src/engine/manifest.ts';
import { localPreflight } from '../src/targets/local/preflight.ts';
import { healthyProbe } from '../test/fakes/fake-probe.ts';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, note, report, RESULTS, timeNode } from './measure.ts';
import { timelineModel } from './timeline-model.ts';

const results: boolean[] = [];
const only = process.argv.slice(2);
const want = (name: string) => !only.length || only.includes(name);

if (want('synth')) {
  const samples = timeNode(['--import', 'tsx', 'bench/synth-child.ts'], 5);
  results.push(
    report('full-lab synth, wall (process incl. startup)', median(samples.map((s) => s.ms)), 'ms', 2000),
  );
  results.push(report('full-lab synth, peak RSS', median(samples.map((s) => s.maxRssMb ?? 0)), 'MB', 400));
}

if (want('cold-start')) {
  const bare = median(timeNode(['-e', ''], 7).map((s) => s.ms));
  for (const name of ['provision', 'validate', 'teardown']) {
    const bundle = `actions/${name}/dist/index.js`;
    if (!existsSync(bundle)) {
      console.log(`skip ${name} cold start: run npm run build first`);
      continue;
    }
    // No inputs: the action loads, validates, fails fast — load time is what is measured.
    const ms = median(timeNode([bundle], 7, { INPUT_TARGET: 'local' }).map((s) => s.ms));
    results.push(
      report(
        `${name} bundle cold start (bare node ${bare.toFixed(0)} ms)`,
        ms,
        'ms',
        400,
        `coldstart.${name}.ms`,
      ),
    );
    // The whole dist/ directory: what a job downloads with a released action (on-demand chunks included).
    const dir = `actions/${name}/dist`;
    const bytes = readdirSync(dir).reduce((sum, file) => sum + statSync(join(dir, file)).size, 0);
    results.push(report(`${name} bundle size (dist/)`, bytes / 1e6, 'MB', 5, `bundle.${name}.bytes`));
    RESULTS[RESULTS.length - 1] = {
      name: `bundle.${name}.bytes`,
      value: bytes,
      unit: 'bytes',
      budget: 5_000_000,
    };
  }
}

if (want('validate')) {
  const lab = resolveLab({ lab: 'bench' });
  // The functional checks run at once; the two measurements after them, one at a time, for as long as the data takes
  // (real seconds of iperf3), so they have no place in a latency budget of fakes.
  const functional = CHECKS.filter((c) => !c.measures).map((c) => c.id);
  let started = performance.now();
  await validateLab(lab, healthyProbe(lab), { timeoutMs: 5000 });
  results.push(
    report(`validate, all ${CHECKS.length} checks, instant fakes`, performance.now() - started, 'ms', 1000),
  );
  const slow = <T>(value: T) => new Promise<T>((r) => setTimeout(() => r(value), 1000));
  const base = healthyProbe(lab);
  const probe = healthyProbe(lab, {
    connectorStatus: () => base.connectorStatus().then(slow),
    routerRoutes: () => base.routerRoutes().then(slow),
    splitDns: () => base.splitDns().then(slow),
    runOnClient: (s) => base.runOnClient(s).then(slow),
    runInCluster: (s) => base.runInCluster(s).then(slow),
    pathToRouter: () => base.pathToRouter().then(slow),
    egressStatus: () => base.egressStatus().then(slow),
    exposure: () => base.exposure().then(slow),
  });
  started = performance.now();
  const independent = [
    'subnet-router.connector-ready',
    'subnet-router.routes-approved',
    'subnet-router.split-dns',
    'subnet-router.dns-resolves',
    'subnet-router.http',
    'subnet-router.path',
    'egress.proxy-ready',
    'exposure.no-public-endpoints',
  ];
  await validateLab(lab, probe, { timeoutMs: 5000, only: independent });
  results.push(
    report(
      `validate, ${independent.length} checks of 1 s fake latency each`,
      performance.now() - started,
      'ms',
      2000,
    ),
  );
  // All functional ones: the two source-ip checks read their http check's evidence but make no call of their own.
  started = performance.now();
  await validateLab(lab, probe, { timeoutMs: 5000, only: functional });
  results.push(
    report(
      `validate, all ${functional.length} functional checks of 1 s fake latency`,
      performance.now() - started,
      'ms',
      2000,
    ),
  );
}

if (want('sweep')) {
  const now = new Date('2026-06-01T12:00:00Z');
  const manifests = Array.from({ length: 1000 }, (_, i) =>
    buildManifest(
      resolveLab({
        lab: `lab-${i}`,
        slot: i % 64,
        createdAt: '2026-06-01T00:00:00Z',
        ttlHours: i % 2 ? 1 : 48,
      }),
    ),
  );
  const tagging = mockClient(ResourceGroupsTaggingAPIClient);
  const pages = Array.from({ length: 10 }, (_, p) => ({
    ResourceTagMappingList: Array.from({ length: 100 }, (_, i) => ({
      ResourceARN: `arn:aws:ec2:us-east-1:1:vpc/vpc-${p}-${i}`,
      Tags: [
        { Key: 'tslab:lab', Value: `lab-${p * 100 + i}` },
        { Key: 'tslab:expires-at', Value: manifests[p * 100 + i]!.expiresAt },
      ],
    })),
    ...(p < 9 ? { PaginationToken: `p${p + 1}` } : {}),
  }));
  for (const page of pages) tagging.on(GetResourcesCommand).resolvesOnce(page);
  const started = performance.now();
  const expired = expiredLabs(
    manifests,
    await scanTaggedLabs(tagging as unknown as ResourceGroupsTaggingAPIClient),
    now,
  );
  const outcomes = await sweep(expired, { dryRun: false, concurrency: 5, teardown: async () => undefined });
  results.push(
    report(
      `sweep of 1,000 fake labs (${outcomes.length} expired)`,
      performance.now() - started,
      'ms',
      10_000,
    ),
  );
}

if (want('local-lab')) {
  if (localPreflight().length) {
    console.log('skip local lab: needs root, the lab packages and network namespaces');
  } else {
    const reportDir = mkdtempSync(join(tmpdir(), 'tslab-bench-report-'));
    const reportFile = join(reportDir, 'report.json');
    const started = performance.now();
    const run = spawnSync(
      process.execPath,
      ['bin/tslab.js', 'lab', '--target', 'local', '--lab', 'bench', '--report', reportFile],
      { encoding: 'utf8' },
    );
    const ms = performance.now() - started;
    if (run.status !== 0) console.log(run.stdout.slice(-2000), run.stderr.slice(-2000));
    results.push(report('local lab up + validate + down', ms / 1000, 's', 30));
    // The data plane as this machine's userspace WireGuard carries it (figures, not budgets: they are the CPU's).
    if (existsSync(reportFile)) {
      const { measurements = [] } = JSON.parse(readFileSync(reportFile, 'utf8')) as ValidationReport;
      for (const m of measurements) {
        const key = `dataplane.local.${m.scenario}`;
        for (const d of m.directions) {
          const way = d.direction === 'client→cluster' ? 'client-to-cluster' : 'cluster-to-client';
          note(`local ${m.scenario} ${d.direction}`, d.mbps, 'Mbit/s', `${key}.${way}.mbps`);
        }
        if (m.latency) note(`local ${m.scenario} round trip p50`, m.latency.p50Ms, 'ms', `${key}.p50.ms`);
      }
    }
    rmSync(reportDir, { recursive: true, force: true });
  }
}

if (want('timeline')) {
  // Both schedules through the real engine in one process, so the ratio holds on a noisy machine.
  const { sequential, graph } = await timelineModel();
  note(
    'provision, one stack at a time (model)',
    sequential.provisionMinutes,
    'min',
    'provision.model.sequential.minutes',
  );
  results.push(
    report(
      'provision, stacks as a graph (model)',
      graph.provisionMinutes,
      'min',
      0.75 * sequential.provisionMinutes,
      'provision.model.minutes',
    ),
  );
  note(
    'teardown, one stack at a time (model)',
    sequential.teardownMinutes,
    'min',
    'teardown.model.sequential.minutes',
  );
  results.push(
    report(
      'teardown, stacks as a graph (model)',
      graph.teardownMinutes,
      'min',
      0.85 * sequential.teardownMinutes,
      'teardown.model.minutes',
    ),
  );
  results.push(
    report(
      'provision graph / sequential',
      graph.provisionMinutes / sequential.provisionMinutes,
      'x',
      0.75,
      'provision.model.ratio',
    ),
  );
  results.push(
    report(
      'teardown graph / sequential',
      graph.teardownMinutes / sequential.teardownMinutes,
      'x',
      0.85,
      'teardown.model.ratio',
    ),
  );
}

if (want('overhead')) {
  // What a run without a released bundle spends before its first terraform command: the build-provision job's npm ci
  // from a warm npm cache (no network: --offline, in a scratch copy of package.json and the lock file) and its build
  // of the provision action, which provision waits for. The jobs holding the AWS role install nothing: they download
  // the artifacts measured below. The build job beside it (validate, teardown) is off that path. On a release
  // commit the build jobs only hand on the release's bundles.
  const scratch = mkdtempSync(join(tmpdir(), 'tslab-npm-ci-'));
  const started = performance.now();
  for (const file of ['package.json', 'package-lock.json']) copyFileSync(file, join(scratch, file));
  const install = spawnSync('npm', ['ci', '--offline', '--no-audit', '--no-fund'], {
    cwd: scratch,
    encoding: 'utf8',
  });
  const npmCi = (performance.now() - started) / 1000;
  rmSync(scratch, { recursive: true, force: true });
  if (install.status !== 0)
    console.log(`npm ci --offline failed (is the npm cache warm?): ${install.stderr.slice(-500)}`);
  const timedBuild = (names: string[]): number => {
    const begun = performance.now();
    const build = spawnSync(process.execPath, ['scripts/build-actions.js', ...names], { encoding: 'utf8' });
    if (build.status !== 0) console.log(build.stderr.slice(-2000));
    return (performance.now() - begun) / 1000;
  };
  const seconds = timedBuild(['provision']);
  const beside = timedBuild(['validate', 'teardown']);
  if (install.status === 0)
    note('runner overhead: npm ci, warm npm cache', npmCi, 's', 'runner.overhead.npm-ci.seconds');
  note('runner overhead: build the provision action', seconds, 's', 'runner.overhead.build.seconds');
  note(
    'build job beside it: validate and teardown (off the critical path)',
    beside,
    's',
    'runner.build-beside.seconds',
  );
  results.push(
    report(
      `runner overhead: ${install.status === 0 ? 'npm ci + ' : ''}build-provision job`,
      (install.status === 0 ? npmCi : 0) + seconds,
      's',
      90,
      'runner.overhead.seconds',
    ),
  );
  const actions = ['provision', 'validate', 'teardown'];
  // The artifact the jobs holding the AWS role download in place of an npm ci and a build of their own.
  const dists = actions.map((name) => `actions/${name}/dist`);
  if (dists.every((dir) => existsSync(dir))) {
    const bytes = dists.reduce(
      (sum, dir) => sum + readdirSync(dir).reduce((n, file) => n + statSync(join(dir, file)).size, 0),
      0,
    );
    note('run artifact (the three dist/)', bytes / 1e6, 'MB', 'runner.artifact.megabytes');
  }
}

writeFileSync('bench-results.json', `${JSON.stringify(RESULTS, null, 2)}\n`);
console.log(`${RESULTS.length} figures written to bench-results.json`);
process.exitCode = results.every(Boolean) ? 0 : 1;
