// A rough hourly cost of a lab, from on-demand us-east-1 rates (docs/design/costs.md §1: third-party
// tables, not AWS's pricing API). Shown in the job summary so nobody forgets a lab running.
import type { LabConfig } from './config.ts';

const EC2_HOURLY: Readonly<Record<string, number>> = {
  't3.nano': 0.0052,
  't3.micro': 0.0104,
  't3.small': 0.0208,
  't3.medium': 0.0416,
  't3.large': 0.0832,
  't3.xlarge': 0.1664,
  't3.2xlarge': 0.3328,
};
const EKS_CONTROL_PLANE_HOURLY = 0.1;
const NAT_GATEWAY_HOURLY = 0.045;
const PUBLIC_IPV4_HOURLY = 0.005;

export interface CostLine {
  item: string;
  hourlyUsd: number | undefined;
}

export interface CostEstimate {
  lines: CostLine[];
  /** Sum of the known lines; unknown instance types are left out and named in `unknown`. */
  hourlyUsd: number;
  unknown: string[];
}

export function estimateHourlyCost(lab: LabConfig): CostEstimate {
  const ec2 = (type: string, count = 1) => {
    const rate = EC2_HOURLY[type];
    return rate === undefined ? undefined : rate * count;
  };
  const lines: CostLine[] = [
    { item: 'EKS control plane', hourlyUsd: EKS_CONTROL_PLANE_HOURLY },
    {
      item: `${lab.cluster.nodeCount} × ${lab.cluster.nodeInstanceType} nodes`,
      hourlyUsd: ec2(lab.cluster.nodeInstanceType, lab.cluster.nodeCount),
    },
    { item: `client ${lab.client.instanceType}`, hourlyUsd: ec2(lab.client.instanceType) },
    lab.network.natMode === 'gateway'
      ? { item: 'NAT gateway (+ per-GB processing)', hourlyUsd: NAT_GATEWAY_HOURLY }
      : { item: 'NAT instance t3.nano', hourlyUsd: ec2('t3.nano') },
    { item: 'public IPv4 of the NAT', hourlyUsd: PUBLIC_IPV4_HOURLY },
  ];
  const hourlyUsd = lines.reduce((sum, line) => sum + (line.hourlyUsd ?? 0), 0);
  return {
    lines,
    hourlyUsd: Math.round(hourlyUsd * 1000) / 1000,
    unknown: lines.filter((l) => l.hourlyUsd === undefined).map((l) => l.item),
  };
}
