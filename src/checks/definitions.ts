// The lab's checks, one per claim of the lab (docs/design/lab.md §2). Each returns evidence or throws CheckFailure
// with evidence.
import { contains, parseCidr } from '../lab/cidr.ts';
import { MEASUREMENT_CHECK_MAX_SECONDS } from '../lab/measurement.ts';
import { measureScenario } from './data-plane.ts';
import type { DataPlaneScenario } from './probe.ts';
import { curlScript, parseCurlOutput } from './http-response.ts';
import { CheckFailure, type CheckContext, type CheckDefinition, type Evidence } from './types.ts';

const TAILNET_V4 = parseCidr('100.64.0.0/10');

function inside(cidr: string, address: string | undefined): boolean {
  if (!address || address.includes(':')) return false;
  return contains(parseCidr(cidr), parseCidr(`${address}/32`));
}

async function httpFrom(
  run: (script: string) => Promise<{ exitCode: number; stdout: string; stderr: string }>,
  url: string,
  nonce: string,
): Promise<Evidence> {
  const result = await run(curlScript(url));
  if (result.exitCode !== 0) {
    throw new CheckFailure(`curl ${url} exited ${result.exitCode}: ${result.stderr.trim() || 'no output'}`, {
      url,
      exitCode: result.exitCode,
      stderr: result.stderr.trim(),
    });
  }
  const response = parseCurlOutput(result.stdout);
  const evidence = {
    url,
    status: response.status,
    remoteAddr: response.remoteAddr,
    body: response.body.slice(0, 200),
  };
  if (response.status !== 200)
    throw new CheckFailure(`expected HTTP 200 from ${url}, got ${response.status}`, evidence);
  // Whole-token match: the client's nonce extends the cluster's, and must never pass for it.
  if (!new RegExp(`tslab-nonce=${nonce}(?![\\w-])`).test(response.body)) {
    throw new CheckFailure(
      `the answer from ${url} does not carry this lab's nonce ${nonce}: another server answered`,
      evidence,
    );
  }
  return evidence;
}

const connectorReady: CheckDefinition = {
  id: 'subnet-router.connector-ready',
  scenario: 'subnet-router',
  title: 'Connector is ready and has devices',
  settles: true,
  async run({ probe }) {
    const status = await probe.connectorStatus();
    const evidence = { reason: status.reason, devices: status.devices };
    if (!status.ready) throw new CheckFailure(`Connector not ready (${status.reason})`, evidence);
    if (status.devices.length === 0)
      throw new CheckFailure('Connector is ready but lists no devices yet', evidence);
    return evidence;
  },
};

const routesApproved: CheckDefinition = {
  id: 'subnet-router.routes-approved',
  scenario: 'subnet-router',
  title: 'Router advertises and has approved the pod and service routes',
  settles: true,
  async run({ lab, probe }) {
    const routes = await probe.routerRoutes();
    const expected = lab.tailnet.connectorRoutes;
    const notAdvertised = expected.filter((r) => !routes.advertised.includes(r));
    const notEnabled = expected.filter((r) => !routes.enabled.includes(r));
    const evidence = {
      device: routes.device,
      expected,
      advertised: routes.advertised,
      enabled: routes.enabled,
    };
    if (notAdvertised.length)
      throw new CheckFailure(`router does not advertise ${notAdvertised.join(', ')}`, evidence);
    if (notEnabled.length)
      throw new CheckFailure(`routes advertised but not approved: ${notEnabled.join(', ')}`, evidence);
    return evidence;
  },
};

const splitDns: CheckDefinition = {
  id: 'subnet-router.split-dns',
  scenario: 'subnet-router',
  title: "Split DNS sends the lab's cluster domain to kube-dns",
  settles: true,
  async run({ lab, probe }) {
    const config = await probe.splitDns();
    const nameservers = config[lab.cluster.dnsDomain] ?? [];
    const evidence = { domain: lab.cluster.dnsDomain, nameservers, expected: lab.network.kubeDnsIp };
    if (!nameservers.includes(lab.network.kubeDnsIp)) {
      throw new CheckFailure(
        nameservers.length
          ? `split DNS for ${lab.cluster.dnsDomain} points at ${nameservers.join(', ')}, not kube-dns ${lab.network.kubeDnsIp}`
          : `no split DNS entry for ${lab.cluster.dnsDomain}`,
        evidence,
      );
    }
    return evidence;
  },
};

const dnsResolves: CheckDefinition = {
  id: 'subnet-router.dns-resolves',
  scenario: 'subnet-router',
  title: 'The client resolves the nginx FQDN to its ClusterIP',
  settles: true,
  async run({ lab, probe }) {
    const fqdn = lab.workloads.nginxFqdn;
    // Bounded, so a lost DNS answer ("Resolving timed out" in the lab guide, docs/design/lab.md §3) fails this
    // attempt instead of hanging it.
    const result = await probe.runOnClient(`timeout 3 getent ahostsv4 '${fqdn}' | awk 'NR==1 {print $1}'`);
    const address = result.stdout.trim();
    const evidence = { fqdn, resolved: address || null, expected: lab.workloads.nginxClusterIp };
    if (!address) {
      throw new CheckFailure(
        `${fqdn} did not resolve on the client (is the service CIDR routed to the router?)`,
        {
          ...evidence,
          stderr: result.stderr.trim(),
        },
      );
    }
    if (address !== lab.workloads.nginxClusterIp) {
      throw new CheckFailure(
        `${fqdn} resolved to ${address}, expected ${lab.workloads.nginxClusterIp}`,
        evidence,
      );
    }
    return evidence;
  },
};

const subnetHttp: CheckDefinition = {
  id: 'subnet-router.http',
  scenario: 'subnet-router',
  title: 'The client gets HTTP 200 with the lab nonce from nginx',
  settles: true,
  run: ({ lab, probe }) =>
    httpFrom((s) => probe.runOnClient(s), `http://${lab.workloads.nginxFqdn}/`, lab.workloads.nonce),
};

const subnetSourceIp: CheckDefinition = {
  id: 'subnet-router.source-ip',
  scenario: 'subnet-router',
  title: 'nginx sees the subnet router (SNAT), not the client',
  dependsOn: ['subnet-router.http'],
  async run({ lab, upstream }) {
    const seen = upstream.get('subnet-router.http')?.remoteAddr as string | undefined;
    const evidence = {
      seen: seen ?? null,
      expectedWithin: lab.network.vpcCidr,
      why: 'the Connector masquerades tailnet traffic to its pod address before it reaches kube-proxy',
    };
    if (!seen) throw new CheckFailure('nginx did not echo the address it saw', evidence);
    if (inside(TAILNET_V4.text, seen)) {
      throw new CheckFailure(
        `nginx saw the tailnet address ${seen}: traffic was not SNATed by the router`,
        evidence,
      );
    }
    if (!inside(lab.network.vpcCidr, seen)) {
      throw new CheckFailure(`nginx saw ${seen}, outside the pod network ${lab.network.vpcCidr}`, evidence);
    }
    return evidence;
  },
};

const pathCheck: CheckDefinition = {
  id: 'subnet-router.path',
  scenario: 'subnet-router',
  title: 'Path from the client to the router (direct or relayed) and latency',
  settles: true,
  async run({ probe }) {
    const path = await probe.pathToRouter();
    const evidence = { mode: path.mode, latencyMs: path.latencyMs ?? null, detail: path.detail };
    if (path.mode === 'unknown') throw new CheckFailure(`no path to the router: ${path.detail}`, evidence);
    return evidence;
  },
};

const proxyReady: CheckDefinition = {
  id: 'egress.proxy-ready',
  scenario: 'egress',
  title: 'The operator set up the egress proxy and rewrote externalName',
  settles: true,
  async run({ probe }) {
    const status = await probe.egressStatus();
    const evidence = { externalName: status.externalName, conditions: status.conditions };
    if (status.externalName === 'placeholder' || !status.externalName) {
      throw new CheckFailure('externalName was not rewritten by the operator yet', evidence);
    }
    if (!status.ready) throw new CheckFailure('egress proxy not ready', evidence);
    return evidence;
  },
};

const egressHttp: CheckDefinition = {
  id: 'egress.http',
  scenario: 'egress',
  title: 'A pod gets HTTP 200 with the client nonce through the egress service',
  // Not gated on egress.proxy-ready: it settles on its own, so both run at once and a slow proxy costs one wait.
  settles: true,
  run: ({ lab, probe }) =>
    httpFrom((s) => probe.runInCluster(s), `http://${lab.workloads.egressFqdn}/`, lab.workloads.clientNonce),
};

const egressSourceIp: CheckDefinition = {
  id: 'egress.source-ip',
  scenario: 'egress',
  title: "The client's nginx sees the egress proxy's tailnet address",
  dependsOn: ['egress.http'],
  async run({ upstream }) {
    const seen = upstream.get('egress.http')?.remoteAddr as string | undefined;
    const evidence = { seen: seen ?? null, expectedWithin: TAILNET_V4.text };
    if (!seen || !inside(TAILNET_V4.text, seen)) {
      throw new CheckFailure(
        `the client saw ${seen ?? 'nothing'}, not a tailnet address of the egress proxy`,
        evidence,
      );
    }
    return evidence;
  },
};

const noPublicEndpoints: CheckDefinition = {
  id: 'exposure.no-public-endpoints',
  scenario: 'exposure',
  title: 'No LoadBalancer Service, no public API endpoint, no public IP',
  async run({ probe }) {
    const facts = await probe.exposure();
    const evidence = { ...facts };
    const problems = [
      ...facts.loadBalancerServices.map((s) => `LoadBalancer Service ${s}`),
      ...(facts.publicApiEndpoint ? ['public EKS API endpoint'] : []),
      ...facts.publicIps.map((ip) => `public IP ${ip}`),
    ];
    if (problems.length) throw new CheckFailure(`exposed: ${problems.join('; ')}`, evidence);
    return evidence;
  },
};

/** A backstop over the measurement's own bounds (src/lab/measurement.ts): each part ends well before it. */
const MEASUREMENT_TIMEOUT_MS = MEASUREMENT_CHECK_MAX_SECONDS * 1000;

/** A scenario's measurement, once its HTTP check has shown the scenario works. */
function throughputCheck(scenario: DataPlaneScenario, title: string): CheckDefinition {
  return {
    id: `${scenario}.throughput`,
    scenario,
    title: `Throughput both ways, latency, path and MTU ${title}`,
    dependsOn: [`${scenario}.http`],
    measures: { timeoutMs: MEASUREMENT_TIMEOUT_MS },
    async run({ lab, probe, thresholds }) {
      return { ...(await measureScenario(lab, probe, scenario, thresholds)) };
    },
  };
}

const subnetThroughput = throughputCheck('subnet-router', 'from the client through the Connector to a pod');
const egressThroughput = throughputCheck('egress', 'from a pod through the egress proxy to the client');

export const CHECKS: readonly CheckDefinition[] = [
  connectorReady,
  routesApproved,
  splitDns,
  dnsResolves,
  subnetHttp,
  subnetSourceIp,
  pathCheck,
  proxyReady,
  egressHttp,
  egressSourceIp,
  noPublicEndpoints,
  subnetThroughput,
  egressThroughput,
];

export type { CheckContext };
