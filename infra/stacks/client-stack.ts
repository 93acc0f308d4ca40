// Stack "client": the EC2 lab client, joined to the tailnet by cloud-init with a key from the Tailscale side.
import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { LabConfig } from '../../src/lab/config.ts';
import { CLIENT_OUTPUTS } from '../../src/lab/stack-contract.ts';
import { createLabAwsProvider } from '../constructs/aws/aws-provider.ts';
import { renderClientCloudInit } from '../constructs/aws/client-cloud-init.ts';
import { ClientInstance } from '../constructs/aws/client-instance.ts';
import { LabStack } from './lab-stack.ts';
import type { NetworkStack } from './network-stack.ts';

/** Where the client's auth key comes from; the lead wires it to the tailscale_tailnet_key construct. */
export interface TailnetKeySource {
  /** Creates (in `scope`) whatever the key needs and returns a Terraform expression for the key itself. */
  authKey(scope: Construct): string;
}

export interface ClientStackDeps {
  network: NetworkStack;
  tailnetKey: TailnetKeySource;
}

export class ClientStack extends LabStack {
  readonly instanceId: string;
  readonly privateIp: string;

  constructor(scope: Construct, lab: LabConfig, { network, tailnetKey }: ClientStackDeps) {
    super(scope, 'client', lab);
    createLabAwsProvider(this, lab);

    const client = new ClientInstance(this, 'client', {
      lab,
      subnetId: network.clientSubnetId,
      securityGroupId: network.clientSecurityGroupId,
      userData: renderClientCloudInit(lab, tailnetKey.authKey(this)),
    });
    this.instanceId = client.instanceId;
    this.privateIp = client.privateIp;
    // Read by provision (action outputs) and validate (SSM target); cdktf only emits outputs other stacks use.
    new TerraformOutput(this, CLIENT_OUTPUTS.instanceId, { value: client.instanceId });
    new TerraformOutput(this, CLIENT_OUTPUTS.privateIp, { value: client.privateIp });
  }
}
