// The one sticky comment a pull request's lab keeps: found again by a hidden marker among the bot's comments, then
// updated in place (or created once). It shows the lab's state, the validation table and links; never a secret.
import { renderMeasurementMarkdown } from '../checks/measurement-report.ts';
import type { CheckResult, ValidationReport } from '../checks/types.ts';
import { eachPage, PAGE_SIZE, type GitHubApi, type IssueComment, type RepoRef } from './github-api.ts';

/** The login GITHUB_TOKEN comments as. */
export const ACTIONS_BOT = 'github-actions[bot]';

/** GitHub refuses comment bodies over 65,536 characters; stay well below. */
const MAX_BODY = 60_000;
const MAX_CELL = 300;

export function commentMarker(prNumber: number): string {
  return `<!-- tslab:pr-${prNumber} -->`;
}

export const PR_LAB_STATES = [
  'provisioning',
  'validated',
  'validation-failed',
  'validation-unfinished',
  'provision-failed',
  'provision-cancelled',
  'torn-down',
  'teardown-failed',
] as const;
export type PrLabState = (typeof PR_LAB_STATES)[number];

/** The hidden line that says which state a comment shows: what a later report reads before it writes. */
function stateMarker(state: PrLabState): string {
  return `<!-- tslab:state=${state} -->`;
}

/** The state a sticky comment shows; undefined for a comment written before states were marked. */
export function commentState(body: string | undefined): PrLabState | undefined {
  const found = /<!-- tslab:state=([a-z-]+) -->/.exec(body ?? '')?.[1];
  return (PR_LAB_STATES as readonly string[]).includes(found ?? '') ? (found as PrLabState) : undefined;
}

export interface PrCommentContent {
  prNumber: number;
  lab: string;
  state: PrLabState;
  runUrl: string;
  /** The commit the lab was built from. */
  sha?: string;
  report?: ValidationReport;
  /** Values that must never appear (OAuth secrets, tokens): blanked wherever they occur. */
  secrets?: readonly string[];
  now?: Date;
}

const HEADLINE: Record<PrLabState, string> = {
  provisioning: '⏳ provisioning (validation follows)',
  validated: '✅ lab up, validation passed',
  'validation-failed': '❌ lab up, validation FAILED',
  'provision-failed': '❌ provisioning FAILED',
  'provision-cancelled': '⚠️ provisioning CANCELLED',
  'validation-unfinished': '⚠️ lab up, validation did NOT finish',
  'torn-down': '🧹 lab torn down',
  'teardown-failed':
    '⚠️ teardown FAILED: the sweeper removes the lab when it expires; re-run the job to retry now',
};

const ICON = { pass: '✅', fail: '❌', skip: '⏭️' } as const;

export function renderPrComment(content: PrCommentContent): string {
  const { prNumber, lab, state, runUrl, report } = content;
  const lines = [
    commentMarker(prNumber),
    stateMarker(state),
    `### tslab lab \`${lab}\`: ${HEADLINE[state]}`,
    '',
  ];
  if (report) lines.push(...validationTable(report), '');
  const facts = [`[workflow run](${runUrl})`];
  if (content.sha) facts.push(`commit \`${content.sha.slice(0, 12)}\``);
  if (report) facts.push(`${report.platform}, ${(report.durationMs / 1000).toFixed(0)} s`);
  facts.push(`updated ${(content.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z')}`);
  lines.push(facts.join(' · '));
  if (state === 'validated' || state === 'validation-failed') {
    lines.push(
      '',
      `<sub>The lab lives until this PR closes (or its expiry passes). Lab id: \`${lab}\`.</sub>`,
    );
  }
  if (state === 'validation-unfinished') {
    lines.push(
      '',
      `<sub>Validation of \`${lab}\` was cancelled, timed out, lost its runner or failed before it could report: the ` +
        'lab is not known to work. The next push provisions and validates it again; see the run for what happened.</sub>',
    );
  }
  if (state === 'provision-failed' || state === 'provision-cancelled') {
    // What becomes of a half-built PR lab (pr-environment.yml): nothing tears it down at once, but it never stays.
    lines.push(
      '',
      `<sub>What was built of \`${lab}\` is not validated and not to be used. The next push provisions it again; ` +
        'closing this PR tears it down, and the hourly sweeper removes it at its expiry otherwise. See the run for the error.</sub>',
    );
  }
  let body = redact(lines.join('\n'), content.secrets ?? []);
  if (body.length > MAX_BODY)
    body = `${body.slice(0, MAX_BODY)}\n\n… (truncated; the full report is in the run)`;
  return body;
}

function validationTable(report: ValidationReport): string[] {
  const passed = report.checks.filter((c) => c.status === 'pass').length;
  return [
    `${passed} of ${report.checks.length} checks passed.`,
    '',
    '| | check | time | error |',
    '|---|---|---|---|',
    ...report.checks.map(row),
    ...(report.measurements?.length ? ['', ...renderMeasurementMarkdown(report.measurements)] : []),
  ];
}

function row(check: CheckResult): string {
  const title = cell(`\`${check.id}\` ${check.title}`);
  return `| ${ICON[check.status]} | ${title} | ${(check.durationMs / 1000).toFixed(1)} s | ${cell(check.error ?? '')} |`;
}

function cell(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
  return flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL)}…` : flat;
}

/**
 * Blanks the given secrets and anything shaped like a credential (Tailscale keys, AWS access key ids): a check's
 * error message is the one free text in the comment, and a PR comment is public.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length >= 4) result = result.split(secret).join('[redacted]');
  }
  return result
    .replace(/tskey-[A-Za-z0-9-]+/g, '[redacted]')
    .replace(/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, '[redacted]');
}

export interface StickyCommentTarget extends RepoRef {
  prNumber: number;
  /** Whose comments may be the sticky one (default the Actions bot); a pasted marker from anyone else is ignored. */
  author?: string;
}

export interface UpsertResult {
  /** skipped: the comment shows a state this write must not replace (see `unlessShowing`). */
  action: 'created' | 'updated' | 'unchanged' | 'skipped';
  commentId: number;
}

/** Finds the bot's comment carrying the marker, across every page of comments. */
export async function findStickyComment(
  api: GitHubApi,
  target: StickyCommentTarget,
): Promise<IssueComment | undefined> {
  const marker = commentMarker(target.prNumber);
  const author = target.author ?? ACTIONS_BOT;
  let found: IssueComment | undefined;
  await eachPage(
    (page) =>
      api.rest.issues.listComments({
        owner: target.owner,
        repo: target.repo,
        issue_number: target.prNumber,
        per_page: PAGE_SIZE,
        page,
      }),
    (comments) => {
      found = comments.find((c) => c.user?.login === author && (c.body ?? '').includes(marker));
      return found !== undefined;
    },
  );
  return found;
}

/**
 * Updates the sticky comment in place, or creates it; a body that already matches is left alone, and so is a comment
 * showing one of `unlessShowing`.
 */
export async function upsertStickyComment(
  api: GitHubApi,
  target: StickyCommentTarget,
  body: string,
  /** States this write never replaces: a run's late report does not overwrite the close's last word. */
  unlessShowing: readonly PrLabState[] = [],
): Promise<UpsertResult> {
  if (!body.includes(commentMarker(target.prNumber))) {
    throw new Error(`the comment body must carry the marker ${commentMarker(target.prNumber)}`);
  }
  const existing = await findStickyComment(api, target);
  const shown = commentState(existing?.body);
  if (existing && shown && unlessShowing.includes(shown))
    return { action: 'skipped', commentId: existing.id };
  const repo = { owner: target.owner, repo: target.repo };
  if (!existing) {
    const { data } = await api.rest.issues.createComment({ ...repo, issue_number: target.prNumber, body });
    return { action: 'created', commentId: data.id };
  }
  if (existing.body === body) return { action: 'unchanged', commentId: existing.id };
  await api.rest.issues.updateComment({ ...repo, comment_id: existing.id, body });
  return { action: 'updated', commentId: existing.id };
}
