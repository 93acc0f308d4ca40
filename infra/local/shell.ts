// Bash snippets the topology is made of. Create snippets may fail (the piece's script runs with `set -e`);
// every destroy snippet ends in `|| true`, so tearing down a piece that is half there, or already gone, never
// fails.

const SAFE_WORD = /^[A-Za-z0-9_./:=@+,-]+$/;
const POLL_INTERVAL_S = 0.05;

/** Quotes one word for bash: left bare when it is plainly safe, otherwise single-quoted. */
export function shq(word: string): string {
  return SAFE_WORD.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

export function words(...parts: string[]): string {
  return parts.map(shq).join(' ');
}

/**
 * A command written as it reads in a shell: the template's text is kept, every interpolated value is quoted.
 */
export function sh(text: TemplateStringsArray, ...values: (string | number)[]): string {
  return text.reduce(
    (command, part, i) => command + part + (i < values.length ? shq(String(values[i])) : ''),
    '',
  );
}

/** Runs a command inside a network namespace. */
export function inNs(namespace: string, ...argv: string[]): string {
  return words('ip', 'netns', 'exec', namespace, ...argv);
}

/**
 * Creates a namespace with loopback up and IPv6 off: the plan is IPv4, and link-local noise would muddy
 * captures.
 */
export function createNamespace(namespace: string, extraSysctls: string[] = []): string[] {
  const sysctls = [
    'net.ipv6.conf.all.disable_ipv6=1',
    'net.ipv6.conf.default.disable_ipv6=1',
    ...extraSysctls,
  ];
  return [
    sh`ip netns add ${namespace}`,
    sh`ip -n ${namespace} link set lo up`,
    inNs(namespace, 'sysctl', '-qw', ...sysctls),
  ];
}

/** Stops every process in the namespace (TERM, a bounded wait, then KILL) and deletes it. */
export function destroyNamespace(namespace: string): string[] {
  const ns = shq(namespace);
  const pids = `$(ip netns pids ${ns} 2>/dev/null)`;
  const polls = Math.round(2 / POLL_INTERVAL_S);
  return [
    `kill ${pids} 2>/dev/null || true`,
    `for i in $(seq 1 ${polls}); do [ -z "${pids}" ] && break; sleep ${POLL_INTERVAL_S}; done || true`,
    `kill -9 ${pids} 2>/dev/null || true`,
    `ip netns del ${ns} 2>/dev/null || true`,
  ];
}

export function removePath(path: string): string {
  return `rm -rf ${shq(path)} 2>/dev/null || true`;
}

/**
 * Starts a long-running program inside a namespace, detached (its own session, stdio on files) so the
 * provisioner that started it can return, and records its pid. `ip netns exec` and `setsid` both exec, so
 * `$!` is the program itself.
 */
export function startDaemon(namespace: string, argv: string[], pidFile: string, logFile: string): string[] {
  return [
    `${inNs(namespace, 'setsid', ...argv)} >${shq(logFile)} 2>&1 </dev/null &`,
    `echo $! >${shq(pidFile)}`,
  ];
}

/**
 * Polls `condition` (a bash command) until it succeeds; after `seconds` fails naming `what`, with the log if
 * given.
 */
export function waitUntil(condition: string, what: string, seconds: number, logFile?: string): string {
  const polls = Math.max(1, Math.round(seconds / POLL_INTERVAL_S));
  const showLog = logFile ? ` cat ${shq(logFile)} >&2 2>/dev/null;` : '';
  return [
    `for i in $(seq 1 ${polls}); do`,
    `  if ${condition}; then break; fi`,
    `  if [ "$i" -eq ${polls} ]; then echo ${shq(`timed out after ${seconds}s waiting for ${what}`)} >&2;${showLog} exit 1; fi`,
    `  sleep ${POLL_INTERVAL_S}`,
    'done',
  ].join('\n');
}

/** Writes a file verbatim (a quoted heredoc: nothing in `content` is expanded). */
export function writeFile(path: string, content: string, mode = '0600'): string {
  const marker = 'TSLAB_EOF';
  if (content.split('\n').includes(marker))
    throw new Error(`file content for ${path} contains the heredoc marker`);
  return `install -m ${mode} /dev/null ${shq(path)} && cat >${shq(path)} <<'${marker}'\n${content}\n${marker}`;
}
