// The bounds of the data-plane measurement (docs/design/lab.md §5). One place, read by the checks, the probes and the
// infrastructure that opens the port (tailnet grants, the egress Service); every timeout of the measurement is derived
// from these, so no part can cut another short.

/** iperf3's own default port: the only port the measurement opens, between the lab's own ends. */
export const THROUGHPUT_PORT = 5201;
/** Seconds of data per direction that count: short, fixed. */
export const THROUGHPUT_SECONDS = 3;
/** Seconds before those that are left out (iperf3 -O): TCP's slow start is not the path's throughput. */
export const THROUGHPUT_OMIT_SECONDS = 1;
/** Beyond its data, an iperf3 run may take this long to connect and report before `timeout` ends it. */
export const IPERF3_SLACK_SECONDS = 10;
/** Between the two runs: the server may still be closing the first ("the server is busy running a test"). */
export const IPERF3_PAUSE_SECONDS = 1;
/** Round trips timed per scenario (TCP handshakes through the whole path), each bounded by LATENCY_PROBE_TIMEOUT_S. */
export const LATENCY_PROBES = 20;
export const LATENCY_PROBE_TIMEOUT_S = 2;

/** The measuring end's script at its worst: every probe timing out, both iperf3 runs at their bound. */
export const MEASUREMENT_SCRIPT_MAX_SECONDS =
  LATENCY_PROBES * LATENCY_PROBE_TIMEOUT_S +
  2 * (THROUGHPUT_OMIT_SECONDS + THROUGHPUT_SECONDS + IPERF3_SLACK_SECONDS) +
  IPERF3_PAUSE_SECONDS;

/** How long a short-lived pod (the measuring Job, the server pod) may take to be scheduled and pull its image. */
export const POD_START_SECONDS = 90;

/**
 * A server lives at most this long, even if nothing stops it: the measuring end's start (a pod on AWS) and its
 * script at their worst, and a margin for the calls in between.
 */
export const THROUGHPUT_SERVER_MAX_SECONDS = POD_START_SECONDS + MEASUREMENT_SCRIPT_MAX_SECONDS + 20;

/** One remote call that is not the script (SSM for the client's server, path, MTU; a pod delete). */
export const PROBE_CALL_MAX_SECONDS = 60;

/**
 * The check's own deadline, a backstop: the server's start, the script, then the server's stop and the path and MTU
 * reads (those two at once). Each of these is bounded on its own within it.
 */
export const MEASUREMENT_CHECK_MAX_SECONDS =
  POD_START_SECONDS + (POD_START_SECONDS + MEASUREMENT_SCRIPT_MAX_SECONDS) + 2 * PROBE_CALL_MAX_SECONDS + 30;

/**
 * The one check of a throughput server's bounds, shared by every place that starts one: a port, and a life that ends.
 * Returns the life in whole seconds (what `timeout`, systemd and the kubelet take).
 */
export function checkServerBounds({ port, maxSeconds }: { port: number; maxSeconds: number }): number {
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new RangeError(`throughput server: port must be an integer in 1-65535, not ${port}`);
  if (!Number.isFinite(maxSeconds) || maxSeconds <= 0)
    throw new RangeError(`throughput server: maxSeconds must be a positive number, not ${maxSeconds}`);
  return Math.ceil(maxSeconds);
}
