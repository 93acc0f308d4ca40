// At provision on AWS, the lab's three AZs are chosen by zone ID: AZ names map to different zones in each account, and
// EKS refuses control-plane subnets in a few zone IDs (UnsupportedAvailabilityZoneException). docs/design/eks.md §6.
import { DescribeAvailabilityZonesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { LabConfig } from '../../lab/config.ts';
import { LabConfigError } from '../../lab/errors.ts';

/** Zone IDs the EKS user guide lists as disallowed for cluster subnets ("Subnet requirements for clusters"). */
export const EKS_UNSUPPORTED_ZONE_IDS: readonly string[] = ['use1-az3', 'usw1-az2', 'cac1-az3'];

export interface Zone {
  name: string;
  id: string;
}

/** The region's available, non-opt-in availability zones (no local or wavelength zones), sorted by zone ID. */
export async function describeZones(ec2: EC2Client): Promise<Zone[]> {
  const answer = await ec2.send(new DescribeAvailabilityZonesCommand({}));
  return (answer?.AvailabilityZones ?? [])
    .filter(
      (z) =>
        z.State === 'available' &&
        z.ZoneType === 'availability-zone' &&
        z.OptInStatus === 'opt-in-not-required' &&
        z.ZoneName &&
        z.ZoneId,
    )
    .map((z) => ({ name: z.ZoneName!, id: z.ZoneId! }))
    .sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
}

/**
 * The lab with AZs EKS accepts: AZs tslab chose offline become the first three zones by ID that EKS supports; given
 * or recorded ones are checked (the EKS subnets' two must be supported, all three available) and kept.
 */
export async function settleAvailabilityZones(lab: LabConfig, ec2: EC2Client): Promise<LabConfig> {
  const zones = await describeZones(ec2);
  const usable = zones.filter((z) => !EKS_UNSUPPORTED_ZONE_IDS.includes(z.id));
  if (lab.provisional.azs) {
    if (usable.length < 3) {
      throw new LabConfigError([
        {
          field: 'azs',
          value: usable.map((z) => z.name),
          rule: `needs 3 availability zones EKS supports in ${lab.region}; it has ${usable.length} (${describe(zones)})`,
        },
      ]);
    }
    const [a, b, c] = usable.map((z) => z.name);
    return { ...lab, azs: [a!, b!, c!], provisional: { ...lab.provisional, azs: false } };
  }

  const issues = lab.azs.flatMap((name, i) => {
    const zone = zones.find((z) => z.name === name);
    if (!zone) {
      return [
        { field: `azs[${i}]`, value: name, rule: `is not an available availability zone of ${lab.region}` },
      ];
    }
    // azs[2] holds only the client's subnet, which EKS never sees.
    if (i < 2 && EKS_UNSUPPORTED_ZONE_IDS.includes(zone.id)) {
      return [
        {
          field: `azs[${i}]`,
          value: name,
          rule: `is zone ${zone.id}, where EKS refuses cluster subnets; use one of ${usable.map((z) => z.name).join(', ')}`,
        },
      ];
    }
    return [];
  });
  if (issues.length) throw new LabConfigError(issues);
  return lab;
}

function describe(zones: Zone[]): string {
  return zones.map((z) => `${z.name}=${z.id}`).join(', ') || 'none available';
}
