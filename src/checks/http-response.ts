// Parses what `curl -sS -w` printed in the checks: the body, then a final line with the status code.
export interface HttpProbeResult {
  status: number;
  body: string;
  /** The client address the server echoed as `remote_addr=<ip>`, if it did. */
  remoteAddr?: string;
}

export const CURL_STATUS_MARKER = '__tslab_http_status=';

export function curlScript(url: string, timeoutSeconds = 3): string {
  return `curl -sS -m ${timeoutSeconds} -w '\\n${CURL_STATUS_MARKER}%{http_code}\\n' '${url}'`;
}

export function parseCurlOutput(stdout: string): HttpProbeResult {
  const index = stdout.lastIndexOf(CURL_STATUS_MARKER);
  if (index < 0) throw new Error('no HTTP status in curl output');
  const status = Number.parseInt(stdout.slice(index + CURL_STATUS_MARKER.length), 10);
  const body = stdout.slice(0, index).trimEnd();
  const remote = /remote_addr=([0-9a-fA-F.:]+)/.exec(body);
  return { status, body, ...(remote?.[1] ? { remoteAddr: remote[1] } : {}) };
}
