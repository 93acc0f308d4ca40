// Base of every per-lab stack: its state backend (one key per lab and stack) and nothing else.
import { LocalBackend, S3Backend, TerraformStack } from 'cdktf';
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
