// The EKS managed addons. The cluster is created without the self-managed defaults, so: the network addons
// (vpc-cni, kube-proxy) come before the nodes, which cannot become Ready without a CNI; coredns, a Deployment,
// comes after them, since it cannot become healthy with nowhere to run. Destroy runs the other way round.
import { EksAddon } from '@cdktf/provider-aws/lib/eks-addon/index.js';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import type { LabConfig } from '../../../src/lab/config.ts';
import { renderCoreDnsConfigurationValues } from './coredns-config.ts';
import { nameTags } from './names.ts';

export interface EksAddonsOptions {
  lab: LabConfig;
  clusterName: string;
}

/** Addons the nodes need before they join: the pod network and service routing. */
export class EksNetworkAddons extends Construct {
  readonly addons: EksAddon[];

  constructor(scope: Construct, id: string, { lab, clusterName }: EksAddonsOptions) {
    super(scope, id);
    this.addons = ['vpc-cni', 'kube-proxy'].map(
      (addonName) =>
        new EksAddon(this, addonName, {
          clusterName,
          addonName,
          resolveConflictsOnCreate: 'OVERWRITE',
          resolveConflictsOnUpdate: 'OVERWRITE',
          tags: nameTags(lab, addonName),
        }),
    );
  }
}

export interface EksCoreDnsAddonOptions extends EksAddonsOptions {
  /** The node group: coredns waits for somewhere to run. */
  nodes: ITerraformDependable;
}

export class EksCoreDnsAddon extends Construct {
  readonly addon: EksAddon;

  constructor(scope: Construct, id: string, { lab, clusterName, nodes }: EksCoreDnsAddonOptions) {
    super(scope, id);
    this.addon = new EksAddon(this, 'coredns', {
      clusterName,
      addonName: 'coredns',
      configurationValues: renderCoreDnsConfigurationValues(lab),
      resolveConflictsOnCreate: 'OVERWRITE',
      resolveConflictsOnUpdate: 'OVERWRITE',
      tags: nameTags(lab, 'coredns'),
      dependsOn: [nodes],
    });
  }
}
