// The third-party actions the workflows may use, each pinned to the commit of a release tag, with the inputs the
// workflows may pass it. Sources (searched, not fetched live):
// - SHAs: the tag's commit as pinned with that version comment in several independent public repositories' workflows
//   and pin tables (e.g. "actions/checkout@08c6903c… # v5.0.0", "hashicorp/setup-terraform@dfe3c3f8… # v4.0.1").
// - inputs: each action's action.yml (tailscale/github-action, hashicorp/setup-terraform, opentofu/setup-opentofu
//   read in their repositories; checkout, setup-node and configure-aws-credentials as actionlint 1.7.7's
//   action dataset lists them), narrowed to inputs present across the versions read.
// - actions/cache (restore, save), upload-artifact, download-artifact: the newest release tag of each repository's
//   current major, its commit and its inputs read in the repository's own snapshot (git rev-parse <tag>^{commit},
//   git show <tag>:…/action.yml).

export interface PinnedAction {
  sha: string;
  version: string;
  inputs: readonly string[];
}

export const PINNED_ACTIONS: Readonly<Record<string, PinnedAction>> = {
  'actions/checkout': {
    sha: '08c6903cd8c0fde910a37f88322edcfb5dd907a8',
    version: 'v5.0.0',
    inputs: [
      'clean',
      'fetch-depth',
      'fetch-tags',
      'filter',
      'github-server-url',
      'lfs',
      'path',
      'persist-credentials',
      'ref',
      'repository',
      'set-safe-directory',
      'show-progress',
      'sparse-checkout',
      'sparse-checkout-cone-mode',
      'ssh-key',
      'ssh-known-hosts',
      'ssh-strict',
      'ssh-user',
      'submodules',
      'token',
    ],
  },
  'actions/setup-node': {
    sha: 'a0853c24544627f65ddf259abe73b1d18a591444',
    version: 'v5.0.0',
    inputs: [
      'always-auth',
      'architecture',
      'cache',
      'cache-dependency-path',
      'check-latest',
      'node-version',
      'node-version-file',
      'registry-url',
      'scope',
      'token',
    ],
  },
  // Both node24 releases; SHAs and inputs read in the repositories themselves at these commits (tag v6.2.3 and
  // tag v4.1.3). configure-aws-credentials' role-duration-seconds read again at e6de0542 (action.yml, src/index.ts:
  // default 3600 s; README: 900 to 43200 s): see credentials-and-teardown-inputs.test.ts. tailscale/github-action v4 fails the step when `tailscale up` keeps failing (v3.3.0's retry loop
  // ended in `sleep`, exit 0) and logs the runner out of the tailnet in a post step.
  'aws-actions/configure-aws-credentials': {
    sha: 'e6de054238d6b7531b4efff3b6587d9aade6a06c',
    version: 'v6.2.3',
    inputs: [
      'action-timeout-s',
      'allowed-account-ids',
      'audience',
      'aws-region',
      'mask-aws-account-id',
      'role-duration-seconds',
      'role-session-name',
      'role-skip-session-tagging',
      'role-to-assume',
    ],
  },
  'tailscale/github-action': {
    sha: '780049a30b6ff5c378a9e7b389d15ece7a204888',
    version: 'v4.1.3',
    inputs: [
      'args',
      'audience',
      'authkey',
      'hostname',
      'oauth-client-id',
      'oauth-secret',
      'ping',
      'retry',
      'sha256sum',
      'statedir',
      'tags',
      'tailscaled-args',
      'timeout',
      'use-cache',
      'version',
    ],
  },
  'hashicorp/setup-terraform': {
    sha: 'dfe3c3f87815947d99a8997f908cb6525fc44e9e',
    version: 'v4.0.1',
    inputs: [
      'cli_config_credentials_hostname',
      'cli_config_credentials_token',
      'terraform_version',
      'terraform_version_file',
      'terraform_wrapper',
    ],
  },
  'opentofu/setup-opentofu': {
    sha: 'a1320f892987e89d278cc92dc5adc984fb93aca4',
    version: 'v2.0.2',
    inputs: [
      'cli_config_credentials_hostname',
      'cli_config_credentials_token',
      'tofu_version',
      'tofu_version_file',
      'tofu_wrapper',
      'github_token',
    ],
  },
  // The provider plugin cache: restore before the first terraform command, save only a filled cache that missed
  // (actions/cache's own post step saves only after success, and would save an empty directory).
  'actions/cache/restore': {
    sha: '27d5ce7f107fe9357f9df03efb73ab90386fccae',
    version: 'v5.0.5',
    inputs: ['enableCrossOsArchive', 'fail-on-cache-miss', 'key', 'lookup-only', 'path', 'restore-keys'],
  },
  'actions/cache/save': {
    sha: '27d5ce7f107fe9357f9df03efb73ab90386fccae',
    version: 'v5.0.5',
    inputs: ['enableCrossOsArchive', 'key', 'path', 'upload-chunk-size'],
  },
  // The bundles built once per run, shared between its jobs.
  'actions/upload-artifact': {
    sha: 'bbbca2ddaa5d8feaa63e36b76fdaad77386f024f',
    version: 'v7.0.0',
    inputs: [
      'archive',
      'compression-level',
      'if-no-files-found',
      'include-hidden-files',
      'name',
      'overwrite',
      'path',
      'retention-days',
    ],
  },
  'actions/download-artifact': {
    sha: '3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c',
    version: 'v8.0.1',
    inputs: [
      'artifact-ids',
      'digest-mismatch',
      'github-token',
      'merge-multiple',
      'name',
      'path',
      'pattern',
      'repository',
      'run-id',
      'skip-decompress',
    ],
  },
};
