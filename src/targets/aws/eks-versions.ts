// At provision on AWS, EKS itself says which Kubernetes versions it offers and until when each has standard support
// (DescribeClusterVersions); its answer wins over tslab's offline calendar (docs/design/eks.md §6).
import {
  DescribeClusterVersionsCommand,
  type ClusterVersionInformation,
  type EKSClient,
} from '@aws-sdk/client-eks';
import type { LabConfig } from '../../lab/config.ts';
import { byNewest, dayStart, EKS_VERSIONS } from '../../lab/eks-versions.ts';
import { LabConfigError } from '../../lab/errors.ts';

export interface EksVersionOffer {
  version: string;
  status: 'STANDARD_SUPPORT' | 'EXTENDED_SUPPORT' | 'UNSUPPORTED' | undefined;
  endOfStandardSupport: Date | undefined;
}

/** Every version EKS offers in the client's region, with its support status and end of standard support. */
export async function describeEksVersions(eks: EKSClient): Promise<EksVersionOffer[]> {
  const offers: EksVersionOffer[] = [];
  let nextToken: string | undefined;
  do {
    const page = await eks.send(
      new DescribeClusterVersionsCommand({ clusterType: 'eks', ...(nextToken ? { nextToken } : {}) }),
    );
    for (const info of page?.clusterVersions ?? []) {
      if (info.clusterVersion) offers.push(offerOf(info));
    }
    nextToken = page?.nextToken || undefined;
  } while (nextToken);
  return offers;
}

function offerOf(info: ClusterVersionInformation): EksVersionOffer {
  // `status` (lower-case, deprecated since 2025-02-15) is what older answers carry.
  const legacy = info.status?.toUpperCase().replace('-', '_') as EksVersionOffer['status'];
  return {
    version: info.clusterVersion!,
    status: info.versionStatus ?? legacy,
    endOfStandardSupport: info.endOfStandardSupportDate,
  };
}

/**
 * The lab with the Kubernetes version EKS agrees to: a version tslab chose offline becomes the newest EKS has in
 * standard support until the lab expires; a given one must be in standard support until then, or nothing is created.
 */
export async function settleKubernetesVersion(lab: LabConfig, eks: EKSClient): Promise<LabConfig> {
  const offers = await describeEksVersions(eks);
  const expiresAt = Date.parse(lab.lifecycle.expiresAt);
  const lasts = (offer: EksVersionOffer) => {
    const end = offer.endOfStandardSupport?.getTime() ?? calendarEnd(offer.version);
    return offer.status === 'STANDARD_SUPPORT' && end !== undefined && end >= expiresAt;
  };
  // What EKS offers is released: no release-date filter, unlike the calendar's default.
  const newest = offers
    .filter(lasts)
    .map((o) => o.version)
    .sort(byNewest)[0];

  if (lab.provisional.kubernetesVersion) {
    if (newest === undefined) {
      throw versionError(
        undefined,
        `has no default: EKS in ${lab.region} offers no version in standard support until the lab expires at ${lab.lifecycle.expiresAt} (it offers ${describe(offers)})`,
      );
    }
    return withVersion(lab, newest);
  }

  const version = lab.cluster.kubernetesVersion;
  const offer = offers.find((o) => o.version === version);
  if (!offer) {
    throw versionError(version, `is not offered by EKS in ${lab.region} (it offers ${describe(offers)})`);
  }
  if (!lasts(offer)) {
    const end = offer.endOfStandardSupport?.toISOString().slice(0, 10) ?? 'a date EKS does not give';
    const instead = newest ? `; ${newest} is supported until then` : '';
    throw versionError(
      version,
      `is ${offer.status ?? 'of unknown status'} on EKS in ${lab.region}, whose standard support for it ends ${end}, ` +
        `before the lab expires at ${lab.lifecycle.expiresAt} (labs never pay extended support)${instead}`,
    );
  }
  return withVersion(lab, version);
}

function calendarEnd(version: string): number | undefined {
  const dates = EKS_VERSIONS.find((v) => v.version === version);
  return dates ? dayStart(dates.endOfStandardSupport) : undefined;
}

function describe(offers: EksVersionOffer[]): string {
  if (!offers.length) return 'none';
  return offers
    .sort((a, b) => byNewest(a.version, b.version))
    .map(
      (o) =>
        `${o.version} ${o.status ?? '?'} to ${o.endOfStandardSupport?.toISOString().slice(0, 10) ?? '?'}`,
    )
    .join(', ');
}

function versionError(value: string | undefined, rule: string): LabConfigError {
  return new LabConfigError([{ field: 'kubernetesVersion', value, rule }]);
}

function withVersion(lab: LabConfig, kubernetesVersion: string): LabConfig {
  return {
    ...lab,
    cluster: { ...lab.cluster, kubernetesVersion },
    provisional: { ...lab.provisional, kubernetesVersion: false },
  };
}
