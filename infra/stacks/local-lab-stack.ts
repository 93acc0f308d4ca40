// Stack "local": the local lab's topology as terraform_data resources, one per piece, each creating its piece
// with a local-exec provisioner and undoing it with a destroy-time one. The chain of dependencies gives the
// order; terraform destroys in reverse.
import { createHash } from 'node:crypto';
import { DataResource, TerraformOutput, Token, type IResolvable } from 'cdktf';
import type { Construct } from 'constructs';
import type { LabConfig } from '../../src/lab/config.ts';
import { localPlan, PEERS } from '../local/plan.ts';
import { createScript, destroyScript, localTopology } from '../local/topology.ts';
import { LabStack } from './lab-stack.ts';

/** Terraform reads every string as a template: bash's `${x}` must reach it as `$${x}` (and `%{` as `%%{`). */
export function terraformLiteral(text: string): string {
  // Replacer functions: in a replacement string, `$$` itself means one `$`.
  return text.replaceAll('${', () => '$${').replaceAll('%{', () => '%%{');
}

export class LocalLabStack extends LabStack {
  /** One resource per topology piece, in creation order. */
  readonly pieces: DataResource[] = [];

  constructor(scope: Construct, lab: LabConfig) {
    super(scope, 'local', lab);
    let previous: DataResource | undefined;
    for (const piece of localTopology(lab)) {
      const create = createScript(piece);
      const destroy = destroyScript(piece);
      const resource: DataResource = new DataResource(this, piece.id, {
        // Destroy-time provisioners may refer only to self, so the undo script travels in the resource's own
        // input.
        input: { destroy: terraformLiteral(destroy) },
        // A changed script rebuilds the piece, and a rebuilt piece rebuilds every piece after it (its id
        // changes).
        triggersReplace: { create: sha256(create), after: previous ? previous.id : '' },
        ...(previous ? { dependsOn: [previous] } : {}),
        provisioners: [
          { type: 'local-exec', command: terraformLiteral(create), interpreter: ['bash', '-c'] },
          {
            type: 'local-exec',
            when: 'destroy',
            command: '${self.input.destroy}',
            interpreter: ['bash', '-c'],
          },
        ],
      });
      this.pieces.push(resource);
      previous = resource;
    }
    this.addOutputs(lab);
  }

  private addOutputs(lab: LabConfig): void {
    const plan = localPlan(lab);
    new TerraformOutput(this, 'namespaces', { value: structured(plan.namespaces) });
    new TerraformOutput(this, 'addresses', {
      value: structured({
        client: plan.clientIp,
        node: plan.nodeIp,
        ...Object.fromEntries(Object.entries(plan.podIps).map(([pod, ip]) => [`pod_${pod}`, ip])),
        nginx_cluster_ip: plan.services.nginx,
        kube_dns_ip: plan.services.kubeDns,
        egress_cluster_ip: plan.services.egress,
      }),
    });
    new TerraformOutput(this, 'tailnet_addresses', {
      value: structured(Object.fromEntries(PEERS.map((peer) => [peer, plan.tailnet.peers[peer].tailnetIp]))),
    });
    new TerraformOutput(this, 'nonces', {
      value: structured({ nginx: plan.nonces.nginx, client: plan.nonces.client }),
    });
  }
}

/**
 * An object or list output value, handed to cdktf as a token: it resolves to the same JSON, but keeps TerraformOutput
 * off its check for plain objects, which calls Node's deprecated util.isArray (DEP0044, printed on every synth).
 * cdktf 0.21.0, the newest release, still makes that call.
 */
function structured(value: object): IResolvable {
  return Token.asAny(value);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
