// Each stack's AWS provider: the lab's region, and lab.tags on every taggable resource through default_tags.
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import type { Construct } from 'constructs';
import type { LabConfig } from '../../../src/lab/config.ts';

export function createLabAwsProvider(scope: Construct, lab: LabConfig): AwsProvider {
  return new AwsProvider(scope, 'aws', { region: lab.region, defaultTags: [{ tags: lab.tags }] });
}
