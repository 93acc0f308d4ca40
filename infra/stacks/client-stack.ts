// Stack "client": the EC2 lab client, joined to the tailnet by cloud-init with a key from the Tailscale side. The key
// goes into an SSM SecureString that only the client's role reads; the user data names the parameter, never the key
// (docs/design/workload-identity.md §9). Cloud-init installs Tailscale with apt as the instance boots, so the instance
// waits for the NAT stack's route explicitly.
import { createHash } from 'node:crypto';
import { DataResource, TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { LabConfig } from '../../src/lab/config.ts';
import { CLIENT_OUTPUTS } from '../../src/lab/stack-contract.ts';
import { createLabAwsProvider } from '../constructs/aws/aws-provider.ts';
import { ClientAuthKeyParameter } from '../constructs/aws/client-auth-key-parameter.ts';
import { renderClientCloudInit } from '../constructs/aws/client-cloud-init.ts';
import { ClientInstance } from '../constructs/aws/client-instance.ts';
import { addressOf, LabStack } from './lab-stack.ts';
import { egressRoute, type NatStack } from './nat-stack.ts';
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
  nat: NatStack;
  tailnetKey: TailnetKeySource;
}

/** Stands for the parameter ARN, only known once applied, in the hash of the user data. */
const ARN_PLACEHOLDER = 'tslab-auth-key-parameter-arn';

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export class ClientStack extends LabStack {
  readonly instanceId: string;
  readonly privateIp: string;

  constructor(scope: Construct, lab: LabConfig, { network, nat, tailnetKey }: ClientStackDeps) {
    super(scope, 'client', lab);
    createLabAwsProvider(this, lab);

    // What makes the instance be replaced (its user data, subnet) also renews the key it joins with; the parameter is
    // then rewritten in place before the new instance boots (the instance refers to it).
    const clientIdentity = new DataResource(this, 'client-identity', {
      input: {
        userData: sha256(renderClientCloudInit(lab, ARN_PLACEHOLDER)),
        subnetId: network.clientSubnetId,
      },
    });
    const authKey = new ClientAuthKeyParameter(this, 'client-auth-key-parameter', {
      lab,
      value: tailnetKey.authKey(this, clientIdentity),
    });
    const client = new ClientInstance(this, 'client', {
      lab,
      subnetId: network.clientSubnetId,
      securityGroupId: network.clientSecurityGroupId,
      userData: renderClientCloudInit(lab, authKey.arn),
      authKeyParameterArn: authKey.arn,
    });
    client.instance.dependsOn = [...(client.instance.dependsOn ?? []), addressOf(egressRoute(this, nat))];
    this.instanceId = client.instanceId;
    this.privateIp = client.privateIp;
    // Read by provision (action outputs) and validate (SSM target); cdktf only emits outputs other stacks use.
    new TerraformOutput(this, CLIENT_OUTPUTS.instanceId, { value: client.instanceId });
    new TerraformOutput(this, CLIENT_OUTPUTS.privateIp, { value: client.privateIp });
  }
}
