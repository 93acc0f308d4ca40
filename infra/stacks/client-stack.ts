// Stack "client": the EC2 lab client, joined to the tailnet by cloud-init with a key from the Tailscale side.
import { createHash } from 'node:crypto';
import { DataResource, TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { LabConfig } from '../../src/lab/config.ts';
import { CLIENT_OUTPUTS } from '../../src/lab/stack-contract.ts';
import { createLabAwsProvider } from '../constructs/aws/aws-provider.ts';
import { renderClientCloudInit } from '../constructs/aws/client-cloud-init.ts';
import { ClientInstance } from '../constructs/aws/client-instance.ts';
import { LabStack } from './lab-stack.ts';
import type { NetworkStack } from './network-stack.ts';

/** Where the client's auth key comes from (infra/stacks/client-auth-key.ts in the lab; a literal in tests). */
export interface TailnetKeySource {
  /**
   * Creates (in `scope`) whatever the key needs and returns a Terraform expression for the key itself. `renewWith`
   * is replaced whenever the client would be: a single-use key is spent once the client joined, so a new instance
   * needs a new key.
   */
  authKey(scope: Construct, renewWith: DataResource): string;
}

export interface ClientStackDeps {
  network: NetworkStack;
  tailnetKey: TailnetKeySource;
}

const KEY_PLACEHOLDER = 'tslab-auth-key';

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export class ClientStack extends LabStack {
  readonly instanceId: string;
  readonly privateIp: string;

  constructor(scope: Construct, lab: LabConfig, { network, tailnetKey }: ClientStackDeps) {
    super(scope, 'client', lab);
    createLabAwsProvider(this, lab);

    // What makes the instance be replaced (its user data, key aside) also renews the key it joins with.
    const clientIdentity = new DataResource(this, 'client-identity', {
      input: {
        userData: sha256(renderClientCloudInit(lab, KEY_PLACEHOLDER)),
        subnetId: network.clientSubnetId,
      },
    });
    const client = new ClientInstance(this, 'client', {
      lab,
      subnetId: network.clientSubnetId,
      securityGroupId: network.clientSecurityGroupId,
      userData: renderClientCloudInit(lab, tailnetKey.authKey(this, clientIdentity)),
    });
    this.instanceId = client.instanceId;
    this.privateIp = client.privateIp;
    // Read by provision (action outputs) and validate (SSM target); cdktf only emits outputs other stacks use.
    new TerraformOutput(this, CLIENT_OUTPUTS.instanceId, { value: client.instanceId });
    new TerraformOutput(this, CLIENT_OUTPUTS.privateIp, { value: client.privateIp });
  }
}
