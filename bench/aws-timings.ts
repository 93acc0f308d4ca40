// How long each AWS (and in-cluster) resource of the lab takes to create and destroy, in minutes: the table the
// timeline model (bench/timeline-model.ts) runs the real engine against. Published figures, 2021–2026:
//
// - EKS control plane create 6m42s–10m, delete ~3 min: terraform-aws-modules/terraform-aws-eks PRs 3218 and 3214,
//   issues 3001 and 2004; AWS "What's new" 2021-03, "EKS cluster creation 40 % faster … 9 minutes or less, on
//   average" (https://aws.amazon.com/about-aws/whats-new/2021/03/amazon-eks-reduces-cluster-creation-time-40-percent/).
// - Managed node group of 2: create 1m15s–2m10s (same sources); delete 6–7 min, the nodes drained first: AWS docs
//   "Delete a managed node group" (5-minute drain before forced termination).
// - NAT gateway create ~1m40s, delete ~1 min: hashicorp/terraform-provider-aws issue 20405.
// - EKS add-ons 15–45 s each once nodes exist.
// - Default timeouts, the upper bounds: terraform-provider-aws internal/service/eks/{cluster,node_group,addon}.go
//   (cluster create 30 m / delete 15 m, node group 60 m, add-on 20/40 m), NAT gateway 10/30 m.
// - EC2 instance then cloud-init with apt and `tailscale up`: estimated 2–5 min to joined (the router wait).
// - Terraform itself runs up to 10 operations at once in a stack: Terraform docs "Resource graph".
// Anything not listed takes DEFAULT (API calls of a few seconds). Where a range is published, the middle is used.

export interface Timing {
  create: number;
  destroy: number;
}

export const DEFAULT_TIMING: Timing = { create: 0.05, destroy: 0.05 };

export const AWS_TIMINGS: Record<string, Timing> = {
  aws_eks_cluster: { create: 9, destroy: 3 },
  aws_eks_node_group: { create: 1.7, destroy: 6.5 },
  aws_eks_addon: { create: 0.5, destroy: 0.3 },
  aws_nat_gateway: { create: 1.67, destroy: 1 },
  aws_instance: { create: 0.5, destroy: 1 },
  aws_internet_gateway: { create: 0.1, destroy: 0.2 },
  aws_vpc: { create: 0.1, destroy: 0.1 },
  aws_subnet: { create: 0.1, destroy: 0.1 },
  aws_security_group: { create: 0.05, destroy: 0.2 },
  aws_iam_instance_profile: { create: 0.1, destroy: 0.1 },
  helm_release: { create: 1, destroy: 0.5 },
  terraform_data: { create: 0, destroy: 0 },
};

/** From the client stack applied to the client on the tailnet with its routes approved (cloud-init: apt, join). */
export const CLIENT_JOIN_MINUTES = 3.5;

/** `terraform init` of a stack with the providers already cached. */
export const INIT_MINUTES = 0.1;

export function timingOf(type: string): Timing {
  return AWS_TIMINGS[type] ?? DEFAULT_TIMING;
}
