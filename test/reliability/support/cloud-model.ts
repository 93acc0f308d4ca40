// A small in-memory "cloud": the AWS resources of one account and region, and the objects of the state bucket. The
// fake terraform (fake-terraform.ts) adds and removes resources, the AWS SDK mocks (aws-mocks.ts) answer from it, and
// tests read it back to see what a lab left. Every resource records which lab really owns it, whatever its tags say.

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const BUCKET = 'tslab-state';

export interface CloudResource {
  /** vpc-…, eni-…, sg-…, or the ARN for resources known by ARN (load balancers, clusters). */
  id: string;
  arn: string;
  /** The terraform type for what terraform creates; eni / load-balancer / security-group for the rest. */
  type: string;
  /** The lab that really owns it (ground truth for "nothing left"); undefined for a stranger's resource. */
  owner: string | undefined;
  tags: Record<string, string>;
  vpcId?: string;
  /** ENIs: attached or left over. */
  status?: 'in-use' | 'available';
  groupName?: string;
  /** Helm releases: the release name. */
  releaseName?: string;
  /** Load balancers: the security groups they use (a group in use cannot be deleted). */
  securityGroups?: string[];
  createdBy: 'terraform' | 'kubernetes' | 'someone-else';
  /** Listed by the Resource Groups Tagging API (IAM, routes and rules are not). */
  taggable: boolean;
}

/** An SSM parameter's ARN: `parameter` then the name, whose leading slash is the separator. */
export function ssmParameterArn(name: string): string {
  return `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${name.replace(/^\//, '')}`;
}

/** An error as the SDK raises it: the service's error code in `name`, fault and HTTP status in the metadata. */
export function awsError(code: string, message: string, status = 400): Error {
  return Object.assign(new Error(message), {
    name: code,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

export class CloudModel {
  readonly resources = new Map<string, CloudResource>();
  /** The state bucket: key → body. */
  readonly objects = new Map<string, string>();
  /** Set when the tslab process is "killed": whatever it still tries to write never lands. */
  killed = false;
  /** How the lab client answers a script sent through SSM; undefined keeps the command in progress. */
  clientShell: (script: string) => { exitCode: number; stdout: string } | undefined = () => ({
    exitCode: 0,
    stdout: '',
  });
  private readonly faults = new Map<string, (() => Error)[]>();
  private counter = 0;

  nextId(prefix: string): string {
    return `${prefix}-${(++this.counter).toString(16).padStart(8, '0')}`;
  }

  add(resource: Omit<CloudResource, 'arn'> & { arn?: string }): CloudResource {
    const full: CloudResource = { ...resource, arn: resource.arn ?? this.arnOf(resource.type, resource.id) };
    this.resources.set(full.id, full);
    return full;
  }

  remove(id: string): void {
    this.resources.delete(id);
  }

  get(id: string): CloudResource | undefined {
    return this.resources.get(id);
  }

  all(): CloudResource[] {
    return [...this.resources.values()];
  }

  /** Everything the lab really owns, whoever created it and whatever its tags. */
  ownedBy(lab: string): CloudResource[] {
    return this.all().filter((r) => r.owner === lab);
  }

  /** The next `count` calls of `action` (e.g. ec2:DeleteSecurityGroup) fail with `make()`. */
  failNext(action: string, count: number, make: () => Error): void {
    const queue = this.faults.get(action) ?? [];
    for (let i = 0; i < count; i++) queue.push(make);
    this.faults.set(action, queue);
  }

  /** Throws the next injected fault of `action`, if any. */
  checkFault(action: string): void {
    const make = this.faults.get(action)?.shift();
    if (make) throw make();
  }

  pendingFaults(action: string): number {
    return this.faults.get(action)?.length ?? 0;
  }

  private arnOf(type: string, id: string): string {
    const service = type.startsWith('aws_eks') ? 'eks' : type.startsWith('aws_iam') ? 'iam' : 'ec2';
    const kind = type.replace(/^aws_(?:eks_|iam_)?/, '').replaceAll('_', '-');
    return `arn:aws:${service}:${service === 'iam' ? '' : REGION}:${ACCOUNT}:${kind}/${id}`;
  }
}
