// Stack "workloads": everything inside the lab's cluster and the lab's split DNS, applied by a runner that reaches
// the private API endpoint over the tailnet (through the client's subnet routes).
//
// Two Helm releases, in order: the Tailscale operator (pinned chart, CRDs included), then the lab's own local chart
// (infra/manifests/lab-chart.ts explains why a chart) holding the Connector, the optional egress ProxyGroup, nginx,
// netshoot and the egress Service. Destroy runs in reverse, so the lab's objects go while the operator still runs
// and can clean up the tailnet devices behind them. No kubernetes provider: nothing is applied outside Helm.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DataAwsEksClusterAuth } from '@cdktf/provider-aws/lib/data-aws-eks-cluster-auth/index.js';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider/index.js';
import { Release } from '@cdktf/provider-helm/lib/release/index.js';
import { AssetType, Fn, TerraformAsset, TerraformVariable, type TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { stringify } from 'yaml';
import type { LabConfig } from '../../src/lab/config.ts';
import { WORKLOADS_VARIABLES } from '../../src/lab/stack-contract.ts';
import { createLabAwsProvider } from '../constructs/aws/aws-provider.ts';
import { chartDigest, CLIENT_TAILNET_IP_VALUE, LAB_CHART, labChartFiles } from '../manifests/lab-chart.ts';
import {
  OPERATOR_CHART,
  OPERATOR_CLIENT_SECRET_PATH,
  OPERATOR_SCOPES,
  operatorHelmValues,
} from '../manifests/operator-values.ts';
import { TailscaleDnsSplitNameservers } from '../tailscale/dns.ts';
import { TailscaleFederatedIdentity } from '../tailscale/federated-identity.ts';
import { TailscaleProvider } from '../tailscale/provider.ts';
import { LabStack } from './lab-stack.ts';

export interface WorkloadsClusterDeps {
  clusterName: string;
  endpoint: string;
  /** Base64, as EKS returns it. */
  certificateAuthorityData: string;
  /** The cluster's public OIDC issuer, trusted by the operator's federated identity. */
  oidcIssuer: string;
}

export interface WorkloadsStackDeps {
  cluster: WorkloadsClusterDeps;
  /** The stack that puts the client on the tailnet; only orders the stacks (the device lookup waits for it). */
  client?: TerraformStack;
  /** The stack with the nodes (and coredns) the releases' pods run on; only orders the stacks. */
  nodes?: TerraformStack;
}

export { WORKLOADS_VARIABLES } from '../../src/lab/stack-contract.ts';

// Both releases' waits together stay under the 15-minute life of the EKS token the helm provider gets at plan time.
const HELM_TIMEOUT_SECONDS = 300;

export class WorkloadsStack extends LabStack {
  /** Terraform expression: the lab client's IPv4 tailnet address. */
  readonly clientTailnetIp: string;

  constructor(scope: Construct, lab: LabConfig, deps: WorkloadsStackDeps) {
    super(scope, 'workloads', lab);
    if (deps.client) this.addDependency(deps.client);
    if (deps.nodes) this.addDependency(deps.nodes);
    const vars = this.variables();

    createLabAwsProvider(this, lab);
    // Read afresh on every run; valid 15 minutes (see HELM_TIMEOUT_SECONDS).
    const auth = new DataAwsEksClusterAuth(this, 'cluster-auth', { name: deps.cluster.clusterName });
    new HelmProvider(this, 'helm', {
      kubernetes: {
        host: deps.cluster.endpoint,
        clusterCaCertificate: Fn.base64decode(deps.cluster.certificateAuthorityData),
        token: auth.token,
      },
    });
    // Credentials from TAILSCALE_OAUTH_CLIENT_ID / _SECRET in the engine's environment, as in the client stack.
    new TailscaleProvider(this, 'tailscale', lab.tailnet.name === '-' ? {} : { tailnet: lab.tailnet.name });

    const identity = this.operatorIdentity(lab, deps.cluster.oidcIssuer);
    const operator = new Release(this, 'operator', {
      name: OPERATOR_CHART.releaseName,
      repository: OPERATOR_CHART.repository,
      chart: OPERATOR_CHART.chart,
      version: OPERATOR_CHART.version,
      namespace: OPERATOR_CHART.namespace,
      createNamespace: true,
      atomic: true,
      wait: true,
      timeout: HELM_TIMEOUT_SECONDS,
      values: [
        stringify(
          operatorHelmValues(
            lab,
            identity
              ? { clientId: identity.clientId, audience: identity.audienceValue }
              : { clientId: this.operatorOauthVariables().id.stringValue },
          ),
        ),
      ],
      ...(identity
        ? {}
        : {
            setSensitive: [
              { name: OPERATOR_CLIENT_SECRET_PATH, value: this.operatorOauthVariables().secret.stringValue },
            ],
          }),
    });

    this.clientTailnetIp = vars.clientTailnetIp.stringValue;

    const chart = new TerraformAsset(this, 'lab-chart', {
      path: writeChartDirectory(labChartFiles(lab)),
      type: AssetType.DIRECTORY,
    });
    new Release(this, 'lab', {
      name: LAB_CHART.releaseName,
      chart: `./${chart.path}`,
      namespace: lab.workloads.namespace,
      createNamespace: true,
      atomic: true,
      wait: true,
      timeout: HELM_TIMEOUT_SECONDS,
      // type string: Helm would otherwise parse the value itself.
      set: [{ name: CLIENT_TAILNET_IP_VALUE, value: this.clientTailnetIp, type: 'string' }],
      dependsOn: [operator],
    });

    new TailscaleDnsSplitNameservers(this, 'split-dns', {
      domain: lab.cluster.dnsDomain,
      nameservers: [lab.network.kubeDnsIp],
    });
  }

  private variables(): { clientTailnetIp: TerraformVariable } {
    return {
      clientTailnetIp: new TerraformVariable(this, WORKLOADS_VARIABLES.clientTailnetIp, {
        type: 'string',
        description: "The lab client's IPv4 tailnet address (provision passes what it saw online)",
      }),
    };
  }

  /**
   * The lab's own credential for its operator: trusts only this cluster's issuer and the operator's ServiceAccount,
   * may tag only this slot's devices, and goes with the lab (docs/design/workload-identity.md §4). None with
   * operator-auth oauth (the shared client).
   */
  private operatorIdentity(lab: LabConfig, issuer: string): TailscaleFederatedIdentity | undefined {
    if (lab.tailnet.operatorAuth !== 'federated') return undefined;
    return new TailscaleFederatedIdentity(this, 'operator-identity', {
      issuer,
      subject: `system:serviceaccount:${OPERATOR_CHART.namespace}:operator`,
      scopes: [...OPERATOR_SCOPES],
      tags: [lab.tailnet.operatorTag],
      description: `tslab-${lab.id}-operator`,
    });
  }

  private oauthVariables?: { id: TerraformVariable; secret: TerraformVariable };

  /** The shared operator OAuth client (operator-auth oauth), from TF_VAR_* the engine sets. */
  private operatorOauthVariables(): { id: TerraformVariable; secret: TerraformVariable } {
    this.oauthVariables ??= {
      // Not a secret, and it must stay readable in the operator's values.
      id: new TerraformVariable(this, WORKLOADS_VARIABLES.operatorOauthClientId, {
        type: 'string',
        description: "Operator's OAuth client id",
      }),
      secret: new TerraformVariable(this, WORKLOADS_VARIABLES.operatorOauthClientSecret, {
        type: 'string',
        sensitive: true,
        description: "Operator's OAuth client secret",
      }),
    };
    return this.oauthVariables;
  }
}

/**
 * Writes the chart to a directory named by its content, for TerraformAsset to copy into the stack's output. Same
 * content, same directory: repeated or concurrent synths reuse it instead of racing on it.
 */
function writeChartDirectory(files: Record<string, string>): string {
  const dir = join(tmpdir(), 'tslab-charts', chartDigest(files));
  if (existsSync(dir)) return dir;
  const staging = `${dir}.${process.pid}.tmp`;
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(staging, path)), { recursive: true });
    writeFileSync(join(staging, path), content);
  }
  try {
    renameSync(staging, dir);
  } catch (error) {
    // Another synth renamed the same content into place first.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(dir)) throw error;
  }
  return dir;
}
