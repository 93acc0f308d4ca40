// The EKS Kubernetes release calendar tslab knows offline: which versions a lab may run, and until when EKS gives each
// standard support. A provision on AWS asks EKS itself and prefers its answer (src/targets/aws/eks-versions.ts); synth and the
// local target use this table only. Sources and where they disagree: docs/design/eks.md §6.
//
// Retrieved 2026-12-02 from
//   https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html ("Amazon EKS Kubernetes release calendar")
//   https://endoflife.date/amazon-eks
// Release dates are AWS's where its table was seen (1.31–1.35); 1.36's comes from endoflife.date only.

export interface EksVersionDates {
  version: string;
  /** The day EKS released the version (UTC). */
  released: string;
  /** The day standard support ends: EKS bills extended support from the start of this day, UTC. */
  endOfStandardSupport: string;
  endOfExtendedSupport: string;
}

export const EKS_CALENDAR_RETRIEVED = '2026-12-02';

export const EKS_VERSIONS: readonly EksVersionDates[] = [
  {
    version: '1.31',
    released: '2024-09-26',
    endOfStandardSupport: '2025-11-26',
    endOfExtendedSupport: '2026-11-26',
  },
  {
    version: '1.32',
    released: '2025-01-23',
    endOfStandardSupport: '2026-03-23',
    endOfExtendedSupport: '2027-03-23',
  },
  {
    version: '1.33',
    released: '2025-05-29',
    endOfStandardSupport: '2026-07-29',
    endOfExtendedSupport: '2027-07-29',
  },
  {
    version: '1.34',
    released: '2025-10-02',
    endOfStandardSupport: '2026-12-02',
    endOfExtendedSupport: '2027-12-02',
  },
  {
    version: '1.35',
    released: '2026-01-27',
    endOfStandardSupport: '2027-03-27',
    endOfExtendedSupport: '2028-03-27',
  },
  {
    version: '1.36',
    released: '2026-06-02',
    endOfStandardSupport: '2027-08-02',
    endOfExtendedSupport: '2028-08-02',
  },
];

export const KNOWN_VERSIONS: readonly string[] = EKS_VERSIONS.map((v) => v.version);

/** The start of a calendar day, UTC, in ms. */
export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

/** Newest first, by minor version (1.36 before 1.4 would sort wrongly as text). */
export function byNewest(a: string, b: string): number {
  return minorOf(b) - minorOf(a);
}

function minorOf(version: string): number {
  return Number(version.split('.')[1] ?? 0);
}

/** The newest version EKS had released by `createdAt` whose standard support lasts until `expiresAt`. */
export function defaultKubernetesVersion(createdAt: string, expiresAt: string): string | undefined {
  return EKS_VERSIONS.filter((v) => dayStart(v.released) <= Date.parse(createdAt))
    .filter((v) => dayStart(v.endOfStandardSupport) >= Date.parse(expiresAt))
    .map((v) => v.version)
    .sort(byNewest)[0];
}

/** Why a lab created at `createdAt` and expiring at `expiresAt` may not run `version`; undefined when it may. */
export function kubernetesVersionRule(
  version: string,
  createdAt: string,
  expiresAt: string,
): string | undefined {
  const dates = EKS_VERSIONS.find((v) => v.version === version);
  if (!dates) return `is not a version tslab's EKS calendar knows (${KNOWN_VERSIONS.join(', ')})`;
  const instead = defaultKubernetesVersion(createdAt, expiresAt);
  const pick = instead ? `; ${instead} is` : '; no known version is';
  if (dayStart(dates.released) > Date.parse(createdAt)) {
    return `is released on EKS on ${dates.released}, after the lab is created (${createdAt})${pick} available`;
  }
  if (dayStart(dates.endOfStandardSupport) < Date.parse(expiresAt)) {
    return (
      `leaves EKS standard support on ${dates.endOfStandardSupport}, before the lab expires at ${expiresAt} ` +
      `(labs never pay extended support)${pick} supported until then`
    );
  }
  return undefined;
}
