// Base of every per-lab stack: its state backend (one key per lab and stack), and the way a resource waits for
// resources of another stack.
import { DataResource, LocalBackend, S3Backend, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import type { LabConfig } from '../../src/lab/config.ts';

export abstract class LabStack extends TerraformStack {
  /** Stack id as the engine and the manifest know it, e.g. "network". */
  readonly stackId: string;

  protected constructor(scope: Construct, stackId: string, lab: LabConfig) {
    super(scope, stackId);
    this.stackId = stackId;
    configureBackend(this, lab, stackId);
  }
}

export function configureBackend(stack: TerraformStack, lab: LabConfig, stackId: string): void {
  if (lab.state.kind === 's3') {
    const backend = new S3Backend(stack, {
      bucket: lab.state.bucket,
      key: `${lab.state.keyPrefix}/${stackId}.tfstate`,
      region: lab.state.region,
      encrypt: true,
    });
    // cdktf's S3Backend predates S3 native locking (Terraform 1.10+, OpenTofu 1.10+); no DynamoDB table needed.
    backend.addOverride('use_lockfile', true);
  } else {
    new LocalBackend(stack, { path: `${lab.state.dir}/${stackId}.tfstate` });
  }
}

/**
 * A terraform_data standing for resources of other stacks, given by their outputs: what a resource lists in
 * depends_on to wait for them, since depends_on cannot name a resource of another state. Reading the outputs also
 * orders the stacks: theirs are applied before this one and destroyed after it.
 */
export function afterOtherStacks(
  stack: LabStack,
  id: string,
  outputs: Record<string, string | string[]>,
): DataResource {
  return new DataResource(stack, id, { input: outputs });
}

/** A resource's address as depends_on wants it (cdktf's dependsOn takes constructs of the same stack only). */
export function addressOf(resource: DataResource): string {
  return `${resource.terraformResourceType}.${resource.friendlyUniqueId}`;
}
