// Labs of closed pull requests: the backstop for a close event that never ran. A lab is a PR's only when its
// manifest proves it (id exactly pr-<n>, made by a pull_request run of this repository); anything else — a manual lab
// named pr-7, pr-12x, another repository's pr-7 in a shared bucket, a lab known by its tags alone — waits for its
// expiry like every other lab.
import { prEnvironment } from '../github/deployment.ts';
import {
  isRunOfRepository,
  PullRequestLookupError,
  type GitHubRepository,
  type PullRequestLookup,
} from '../github/pull-requests.ts';
import { errorMessage } from '../lab/errors.ts';
import { isExpired } from '../lab/ownership.ts';
import type { LabManifest } from '../engine/manifest.ts';
import type { LabToSweep } from './sweep.ts';

/** The event the PR workflow's runs record as the lab's trigger (GITHUB_EVENT_NAME). */
export const PR_TRIGGER = 'pull_request';

/** Where pull requests are looked up, or why they cannot be (said in the sweep's result). */
export type PullRequestSource =
  { repository: GitHubRepository; lookup: PullRequestLookup } | { unavailable: string };

export interface ClosedPrScan {
  labs: LabToSweep[];
  /** False when some PR lab's pull request could not be asked about (then `notes` says which and why). */
  checked: boolean;
  notes: string[];
}

/** The PR number of a lab that is provably that pull request's lab in `repository`; undefined for anything else. */
export function pullRequestOfLab(manifest: LabManifest, repository: GitHubRepository): number | undefined {
  const match = /^pr-([1-9]\d{0,9})$/.exec(manifest.lab);
  if (!match) return undefined;
  const prNumber = Number(match[1]);
  // The PR workflow names its lab prEnvironment(n): exactly that spelling, nothing looser.
  if (prEnvironment(prNumber) !== manifest.lab) return undefined;
  if (manifest.trigger !== PR_TRIGGER) return undefined;
  if (!isRunOfRepository(manifest.runUrl, repository)) return undefined;
  return prNumber;
}

/**
 * Labs (not yet expired: those go anyway) whose pull request is closed or merged. One look-up per PR; a failed
 * look-up leaves that lab alone and is noted, and a token that may not read pull requests stops the look-ups.
 */
export async function closedPullRequestLabs(
  manifests: readonly LabManifest[],
  source: PullRequestSource,
  now: Date,
): Promise<ClosedPrScan> {
  if ('unavailable' in source) {
    return {
      labs: [],
      checked: false,
      notes: [`labs of closed pull requests were not checked: ${source.unavailable}`],
    };
  }
  const labs: LabToSweep[] = [];
  const notes: string[] = [];
  let checked = true;
  for (const manifest of manifests) {
    if (isExpired(manifest.expiresAt, now)) continue;
    const prNumber = pullRequestOfLab(manifest, source.repository);
    if (prNumber === undefined) continue;
    let pr;
    try {
      pr = await source.lookup(prNumber);
    } catch (error) {
      checked = false;
      const status = error instanceof PullRequestLookupError ? error.status : undefined;
      if (status === 401 || status === 403) {
        notes.push(
          `labs of closed pull requests were not checked: the GitHub token may not read pull requests of ` +
            `${source.repository.owner}/${source.repository.repo} (HTTP ${status}; it needs pull-requests: read): ` +
            errorMessage(error),
        );
        break;
      }
      notes.push(
        `lab ${manifest.lab} kept: could not ask whether pull request #${prNumber} is closed: ${errorMessage(error)}`,
      );
      continue;
    }
    if (pr.state !== 'closed') continue;
    labs.push({
      lab: manifest.lab,
      expiresAt: manifest.expiresAt,
      region: manifest.region,
      foundIn: ['manifest'],
      owner: manifest.owner,
      reason: `pull request #${prNumber} ${pr.merged ? 'merged' : 'closed'}`,
    });
  }
  return { labs, checked, notes };
}
