// `gh` on PATH in the release tests: `gh release view` and `gh release create` against a directory of release
// records, behaving as gh does where release.yml depends on it (docs/release.md, "What the tests stand in for"):
// - the token: GH_ENTERPRISE_TOKEN for a host other than github.com, else GH_TOKEN, or gh stops;
// - --repo [HOST/]OWNER/REPO must name the repository under test;
// - view prints the --json fields, or "release not found" on stderr with exit 1 (drafts are found too);
// - create --verify-tag refuses a tag the remote does not have; a second release of one tag is refused (HTTP 422).
// FAKE_GH_DIR/fail-<view|create> makes that subcommand fail as a server error would (HTTP 502).
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

export interface ReleaseRecord {
  tagName: string;
  isDraft: boolean;
  url: string;
  title?: string;
  notes?: string;
  latest?: string;
  /** The commit the tag named when the release was created. */
  commit?: string;
}

function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

const dir = process.env['FAKE_GH_DIR'] ?? fail('fake gh: FAKE_GH_DIR is not set');
const repository = process.env['FAKE_GH_REPOSITORY'] ?? fail('fake gh: FAKE_GH_REPOSITORY is not set');
const remote = process.env['FAKE_GH_REMOTE'] ?? fail('fake gh: FAKE_GH_REMOTE is not set');
const [group, command, ...rest] = process.argv.slice(2);
appendFileSync(join(dir, 'calls.log'), `${JSON.stringify(process.argv.slice(2))}\n`);

if (group !== 'release' || (command !== 'view' && command !== 'create')) {
  fail(`fake gh: no stand-in for gh ${process.argv.slice(2).join(' ')}`);
}
const { values, positionals } = parseArgs({
  args: rest,
  allowPositionals: true,
  options: {
    repo: { type: 'string', short: 'R' },
    json: { type: 'string' },
    'verify-tag': { type: 'boolean' },
    'generate-notes': { type: 'boolean' },
    latest: { type: 'string' },
    title: { type: 'string', short: 't' },
    notes: { type: 'string', short: 'n' },
  },
});
const host = (values.repo ?? '').split('/').length === 3 ? values.repo!.split('/')[0]! : 'github.com';
const token =
  host === 'github.com' || host.endsWith('.ghe.com')
    ? process.env['GH_TOKEN']
    : process.env['GH_ENTERPRISE_TOKEN'];
if (!token)
  fail('gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable.', 4);
if (values.repo !== repository)
  fail(`GraphQL: Could not resolve to a Repository with the name '${values.repo}'.`);
if (existsSync(join(dir, `fail-${command}`))) fail(`HTTP 502: Bad Gateway (https://${host}/api/v3/)`);

const tag = positionals[0] ?? fail('fake gh: no tag given');
const releases = join(dir, 'releases');
mkdirSync(releases, { recursive: true });
const recordFile = join(releases, `${tag}.json`);
const record = existsSync(recordFile)
  ? (JSON.parse(readFileSync(recordFile, 'utf8')) as ReleaseRecord)
  : undefined;

if (command === 'view') {
  if (!record) fail('release not found');
  const fields = (values.json ?? 'tagName').split(',');
  console.log(JSON.stringify(Object.fromEntries(fields.map((f) => [f, record[f as keyof ReleaseRecord]]))));
} else {
  const listed = spawnSync(
    'git',
    ['ls-remote', '--tags', remote, `refs/tags/${tag}^{}`, `refs/tags/${tag}`],
    {
      encoding: 'utf8',
    },
  ).stdout.trim();
  if (values['verify-tag'] && !listed) {
    fail(`tag ${tag} doesn't exist in the repo ${repository}, aborting due to --verify-tag flag`);
  }
  if (record && !record.isDraft) {
    fail('HTTP 422: Validation Failed\nRelease.tag_name already exists');
  }
  const peeled = listed.split('\n').find((line) => line.endsWith('^{}')) ?? listed.split('\n')[0] ?? '';
  const created: ReleaseRecord = {
    tagName: tag,
    isDraft: false,
    url: `https://${host}/${repository.split('/').slice(-2).join('/')}/releases/tag/${tag}`,
    ...(values.title ? { title: values.title } : {}),
    ...(values.notes ? { notes: values.notes } : {}),
    ...(values.latest ? { latest: values.latest } : {}),
    commit: peeled.split('\t')[0]!,
  };
  writeFileSync(recordFile, JSON.stringify(created));
  console.log(created.url);
}
