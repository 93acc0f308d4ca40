import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { LabConfig } from '../../../src/lab/config.ts';
import { CLIENT_TAILNET_IP_VALUE, renderChartTemplate } from '../../../infra/manifests/lab-chart.ts';
import { WorkloadsStack } from '../../../infra/stacks/workloads-stack.ts';
import { demoLab } from './lab-fixture.ts';
import { testApp } from '../../support/cdktf-app.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const CLUSTER = {
  clusterName: 'tslab-demo',
  endpoint: 'https://ABCDEF.gr7.us-east-1.eks.amazonaws.com',
  certificateAuthorityData: 'Q0EgREFUQQ==',
  oidcIssuer: 'https://oidc.eks.us-east-1.amazonaws.com/id/ABCDEF',
};
const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

interface SynthesizedWorkloads {
  json: Json;
  text: string;
  /** Chart files by path inside the chart, as Terraform will find them beside the stack. */
  chart: Record<string, string>;
  chartDir: string;
}

function synthWorkloads(lab: LabConfig): SynthesizedWorkloads {
  const stack = new WorkloadsStack(testApp(), lab, { cluster: CLUSTER });
  const outdir = Testing.fullSynth(stack);
  outdirs.push(outdir);
  const stackDir = join(outdir, 'stacks', 'workloads');
  const text = readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8');
  const json = JSON.parse(text) as Json;
  const chartDir = join(stackDir, json.resource.helm_release.lab.chart as string);
  const chart: Record<string, string> = {};
  for (const entry of readdirSync(chartDir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name).slice(chartDir.length + 1);
      chart[path] = readFileSync(join(entry.parentPath, entry.name), 'utf8');
    }
  }
  return { json, text, chart, chartDir };
}

/** What Helm renders for one template, given the value the stack sets. */
function renderWithClientIp(template: string, ip: string): Json {
  const body = template.replace(/^\{\{-? if not .*\n/, '');
  return parse(body.replaceAll(`{{ .Values.${CLIENT_TAILNET_IP_VALUE} }}`, ip)) as Json;
}

function chartObject(chart: Record<string, string>, kind: string): Json {
  const path = Object.keys(chart).find((p) => p.startsWith(`templates/${kind.toLowerCase()}-`));
  if (!path) throw new Error(`no ${kind} template in the lab chart`);
  return renderWithClientIp(chart[path]!, '100.101.102.103');
}

describe('workloads stack', () => {
  const lab = demoLab();
  const synth = synthWorkloads(lab);
  const { json } = synth;
  const operator = json.resource.helm_release.operator as Json;
  const labRelease = json.resource.helm_release.lab as Json;

  it('requires tailscale/tailscale ~> 0.29.2 beside the helm and aws providers', () => {
    expect(json.terraform.required_providers.tailscale).toEqual({
      source: 'tailscale/tailscale',
      version: '~> 0.29.2',
    });
    expect(Object.keys(json.terraform.required_providers).sort()).toEqual(['aws', 'helm', 'tailscale']);
  });

  it("points helm at the cluster's endpoint with its CA and a fresh EKS token", () => {
    expect(json.provider.helm[0].kubernetes).toEqual({
      host: CLUSTER.endpoint,
      cluster_ca_certificate: `\${base64decode("${CLUSTER.certificateAuthorityData}")}`,
      token: '${data.aws_eks_cluster_auth.cluster-auth.token}',
    });
    expect(json.data.aws_eks_cluster_auth['cluster-auth']).toMatchObject({ name: CLUSTER.clusterName });
  });

  it('writes no Tailscale credential into the stack: the provider reads them from the environment', () => {
    expect(json.provider.tailscale[0]).toEqual({});
    expect(JSON.stringify(json)).not.toMatch(/tailscale_oauth_client/);
    expect(JSON.stringify(json)).not.toMatch(/operator_oauth_client|clientSecret|set_sensitive/);
  });

  it("makes the operator its own federated identity: this cluster's issuer, the operator's ServiceAccount, this slot's tag", () => {
    const identity = { ...(json.resource.tailscale_federated_identity['operator-identity'] as Json) };
    delete identity['//'];
    expect(identity).toEqual({
      issuer: CLUSTER.oidcIssuer,
      subject: 'system:serviceaccount:tailscale:operator',
      scopes: ['devices:core', 'auth_keys', 'services'],
      tags: [`tag:tslab-s${lab.slot}-operator`],
      description: `tslab-${lab.id}-operator`,
    });
    expect(lab.tailnet.operatorTag).toBe(`tag:tslab-s${lab.slot}-operator`);
    const values = parse(operator.values[0] as string) as Json;
    // The chart mounts a ServiceAccount token with this audience and creates no Secret.
    expect(values.oauth).toEqual({
      clientId: '${tailscale_federated_identity.operator-identity.id}',
      audience: '${tailscale_federated_identity.operator-identity.audience}',
    });
    expect(operator.set_sensitive).toBeUndefined();
    expect(json.variable?.operator_oauth_client_secret).toBeUndefined();
  });

  it('installs the operator chart pinned to 1.102.3 from the Tailscale repository, atomically', () => {
    expect(operator).toMatchObject({
      repository: 'https://pkgs.tailscale.com/helmcharts',
      chart: 'tailscale-operator',
      version: '1.102.3',
      namespace: 'tailscale',
      create_namespace: true,
      atomic: true,
      wait: true,
    });
    const values = parse(operator.values[0] as string) as Json;
    expect(values.operatorConfig.hostname).toBe(lab.tailnet.operatorHostname);
  });

  it("with operator-auth oauth, passes the shared client's secret only through set_sensitive", () => {
    const oauthSynth = synthWorkloads(demoLab({ operatorAuth: 'oauth' }));
    const oauthJson = oauthSynth.json;
    const oauthOperator = oauthJson.resource.helm_release.operator as Json;
    expect(oauthJson.resource.tailscale_federated_identity).toBeUndefined();
    expect((parse(oauthOperator.values[0] as string) as Json).oauth).toEqual({
      clientId: '${var.operator_oauth_client_id}',
    });
    expect(oauthOperator.set_sensitive).toEqual([
      { name: 'oauth.clientSecret', value: '${var.operator_oauth_client_secret}' },
    ]);
    expect(oauthJson.variable.operator_oauth_client_secret.sensitive).toBe(true);
    const references = oauthSynth.text.match(/var\.operator_oauth_client_secret/g) ?? [];
    expect(references).toHaveLength(1);
    expect(oauthOperator.values.join('\n')).not.toMatch(/clientSecret/);
    expect(Object.values(oauthSynth.chart).join('\n')).not.toMatch(/secret/i);
  });

  it("claims the lab's DNS zone in split DNS and sends it to kube-dns", () => {
    expect(json.resource.tailscale_dns_split_nameservers['split-dns']).toMatchObject({
      domain: lab.cluster.dnsDomain,
      nameservers: [lab.network.kubeDnsIp],
    });
  });

  it('targets the egress Service at the client address provision saw online, never a lookup by name', () => {
    expect(json.data?.tailscale_device).toBeUndefined();
    const [set] = labRelease.set as Json[];
    expect(set).toMatchObject({
      name: CLIENT_TAILNET_IP_VALUE,
      type: 'string',
      value: '${var.client_tailnet_ip}',
    });
    expect(json.variable.client_tailnet_ip).toMatchObject({ type: 'string' });
  });

  it('releases the lab chart from the synthesized asset, after the operator', () => {
    expect(labRelease).toMatchObject({
      namespace: lab.workloads.namespace,
      create_namespace: true,
      atomic: true,
      wait: true,
      depends_on: ['helm_release.operator'],
    });
    expect(labRelease.chart).toMatch(/^\.\/assets\//);
    expect(existsSync(join(synth.chartDir, 'Chart.yaml'))).toBe(true);
    expect(parse(synth.chart['Chart.yaml']!)).toMatchObject({ apiVersion: 'v2', name: 'tslab-lab' });
  });

  it("puts a Connector advertising the lab's routes in the lab chart", () => {
    const connector = chartObject(synth.chart, 'Connector');
    expect(connector.metadata.name).toBe(lab.tailnet.connectorName);
    expect(connector.spec.subnetRouter.advertiseRoutes).toEqual(lab.tailnet.connectorRoutes);
  });

  it('renders the egress Service with the tailnet IP Helm receives from the stack', () => {
    const egress = Object.entries(synth.chart).find(([path]) =>
      path.includes(lab.workloads.egressServiceName),
    );
    expect(egress).toBeDefined();
    const rendered = renderWithClientIp(egress![1], '100.101.102.103');
    expect(rendered.metadata.annotations['tailscale.com/tailnet-ip']).toBe('100.101.102.103');
    expect(rendered.spec).toMatchObject({ type: 'ExternalName', externalName: 'placeholder' });
    // Helm refuses to render the chart rather than create a Service with an empty target.
    expect(egress![1]).toMatch(/^\{\{- if not \.Values\.clientTailnetIp \}\}\{\{ fail /);
  });

  it('serves the nonce page from nginx and runs netshoot', () => {
    const configMap = chartObject(synth.chart, 'ConfigMap');
    expect(configMap.data['default.conf']).toContain(`tslab-nonce=${lab.workloads.nonce}`);
    expect(configMap.data['default.conf']).toContain('$remote_addr');
    const deployments = Object.keys(synth.chart).filter((p) => p.startsWith('templates/deployment-'));
    expect(deployments.sort()).toEqual([
      'templates/deployment-netshoot.yaml',
      'templates/deployment-nginx.yaml',
    ]);
  });

  it('leaves no unresolved Terraform token in the chart files', () => {
    expect(Object.values(synth.chart).join('\n')).not.toMatch(/TfToken|\$\{/);
  });

  it('adds the egress ProxyGroup to the chart only when the lab asks for one', () => {
    expect(Object.keys(synth.chart).some((p) => p.startsWith('templates/proxygroup-'))).toBe(false);
    const withGroup = synthWorkloads(demoLab({ egressProxyGroup: true, egressReplicas: 3 }));
    const group = chartObject(withGroup.chart, 'ProxyGroup');
    expect(group.spec).toMatchObject({ type: 'egress', replicas: 3 });
    const egress = Object.entries(withGroup.chart).find(([path]) => path.includes('lab-client-egress'))!;
    const annotations = renderWithClientIp(egress[1], '100.1.2.3').metadata.annotations as Json;
    expect(annotations['tailscale.com/proxy-group']).toBe(group.metadata.name);
  });
});

describe('lab chart templates', () => {
  it('refuse an object that would smuggle a Helm template action into the chart', () => {
    const object = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x' },
      data: { page: '{{ .Release }}' },
    };
    expect(() => renderChartTemplate(object)).toThrow(/Helm would execute/);
  });
});
