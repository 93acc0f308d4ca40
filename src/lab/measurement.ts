// The bounds of the data-plane measurement (docs/design/lab.md §5). One place, read
// by the checks, the probes and the infrastructure that opens the port (tailnet grants, the egress Service).

/** iperf3's own default port: the only port the measurement opens, between the lab's own ends. */
export const THROUGHPUT_PORT = 5201;
/** Seconds of data per direction: short, fixed, and enough for TCP to leave slow start on a tunnel. */
export const THROUGHPUT_SECONDS = 3;
/**
 * A server lives at most this long, even if nothing stops it: room for the measuring end to start (a pod to schedule
 * on AWS), the round trips (up to 40 s) and both iperf3 runs (up to 36 s).
 */
export const THROUGHPUT_SERVER_MAX_SECONDS = 150;
/** Round trips timed per scenario (TCP handshakes through the whole path), each bounded by LATENCY_PROBE_TIMEOUT_S. */
export const LATENCY_PROBES = 20;
export const LATENCY_PROBE_TIMEOUT_S = 2;
