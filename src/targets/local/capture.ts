// Packet captures on several hops at once: tcpdump in each hop's namespace, started before and stopped after
// the traffic under test, reduced to the distinct "source → destination" address pairs each hop saw.
import { spawn, type ChildProcess } from 'node:child_process';
import type { HopCapture } from '../../checks/probe.ts';

export interface CaptureHop {
  /** How the hop is reported, e.g. "router/eth0". */
  hop: string;
  namespace: string;
  iface: string;
  /** A pcap filter expression. */
  filter: string;
}

export interface CaptureOptions {
  /** Stop each tcpdump after this many packets: a bound on work, not the expected count. */
  maxPackets?: number;
  startTimeoutMs?: number;
  /** After `during` ends, wait until no hop has printed for this long (replies and FINs still in flight). */
  settleMs?: number;
}

const IPV4 = String.raw`\d{1,3}(?:\.\d{1,3}){3}`;
// tcpdump -n prints "IP <src>[.<port>] > <dst>[.<port>]:"; the port, when present, is a fifth dotted number.
const FLOW_LINE = new RegExp(String.raw`\bIP (${IPV4})(?:\.\d+)? > (${IPV4})(?:\.\d+)?:`);

/** The distinct "src → dst" address pairs in tcpdump -n output, in the order they first appear. */
export function parseFlows(output: string): string[] {
  const flows = new Set<string>();
  for (const line of output.split('\n')) {
    const match = FLOW_LINE.exec(line);
    if (match) flows.add(`${match[1]!} → ${match[2]!}`);
  }
  return [...flows];
}

export async function captureHops(
  hops: readonly CaptureHop[],
  during: () => Promise<void>,
  options: CaptureOptions = {},
): Promise<HopCapture[]> {
  const { maxPackets = 200, startTimeoutMs = 5_000, settleMs = 150 } = options;
  const captures = hops.map((hop) => startCapture(hop, maxPackets));
  try {
    await Promise.all(captures.map((capture) => capture.ready(startTimeoutMs)));
    await during();
    await settle(captures, settleMs);
  } finally {
    await Promise.all(captures.map((capture) => capture.stop()));
  }
  return captures.map((capture) => ({ hop: capture.hop.hop, flows: parseFlows(capture.stdout()) }));
}

interface RunningCapture {
  hop: CaptureHop;
  ready(timeoutMs: number): Promise<void>;
  stdout(): string;
  lastOutputAt(): number;
  stop(): Promise<void>;
}

function startCapture(hop: CaptureHop, maxPackets: number): RunningCapture {
  const tcpdump = [
    'tcpdump',
    '-n',
    '-l',
    '--immediate-mode',
    '-c',
    String(maxPackets),
    '-i',
    hop.iface,
    hop.filter,
  ];
  const child: ChildProcess = spawn('ip', ['netns', 'exec', hop.namespace, ...tcpdump], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let lastOutput = Date.now();
  let exited = false;
  const exit = new Promise<void>((resolveExit) => {
    child.once('close', () => {
      exited = true;
      resolveExit();
    });
    child.once('error', (error) => {
      err += `\n${error.message}`;
      exited = true;
      resolveExit();
    });
  });
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    lastOutput = Date.now();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));

  return {
    hop,
    async ready(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      // tcpdump announces "listening on <if>" once the capture is open; traffic before that would be missed.
      while (!err.includes('listening on')) {
        if (exited || Date.now() > deadline) {
          throw new Error(
            `Could not start a capture on ${hop.hop} (${hop.namespace}): ${err.trim() || 'no output'}`,
          );
        }
        await sleep(20);
      }
    },
    stdout: () => out,
    lastOutputAt: () => lastOutput,
    async stop() {
      if (!exited) child.kill('SIGINT');
      await Promise.race([exit, sleep(2_000).then(() => child.kill('SIGKILL'))]);
      await exit;
    },
  };
}

async function settle(captures: RunningCapture[], quietMs: number): Promise<void> {
  const deadline = Date.now() + 10 * quietMs;
  while (Date.now() < deadline) {
    const last = Math.max(...captures.map((capture) => capture.lastOutputAt()));
    if (Date.now() - last >= quietMs) return;
    await sleep(quietMs / 3);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}
