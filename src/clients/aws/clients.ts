// The AWS SDK clients tslab uses for one region (S3 in the state bucket's own region), with the default credential
// chain (OIDC role in Actions). Each call makes new clients: a caller that wants them once keeps what it got.
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SDK_RETRIES } from './sdk-retries.ts';

export interface AwsClients {
  region: string;
  ec2: EC2Client;
  eks: EKSClient;
  elb: ElasticLoadBalancingV2Client;
  ssm: SSMClient;
  s3: S3Client;
  tagging: ResourceGroupsTaggingAPIClient;
}

/** The SDK retries throttling and 5xx itself (standard mode, bounded attempts). */
export function createAwsClients(region: string, stateRegion = region): AwsClients {
  const config = { region, ...SDK_RETRIES };
  return {
    region,
    ec2: new EC2Client(config),
    eks: new EKSClient(config),
    elb: new ElasticLoadBalancingV2Client(config),
    ssm: new SSMClient(config),
    s3: new S3Client({ ...config, region: stateRegion }),
    tagging: new ResourceGroupsTaggingAPIClient(config),
  };
}
