// Configuration files of the programs standing in for the lab's workloads: nginx (the cluster's nginx pod and
// the client's host-mode nginx), dnsmasq as kube-dns, and dnsmasq as the client's split-DNS resolver.
import type { LabConfig } from '../../src/lab/config.ts';
import type { LocalPlan } from './plan.ts';

/** The body both nginx servers answer with: which server (by nonce) and whom it saw as the peer. */
export function nginxConfig(options: {
  nonce: string;
  pidFile: string;
  tempDir: string;
  accessLog: string;
}): string {
  const { nonce, pidFile, tempDir, accessLog } = options;
  return `worker_processes 1;
daemon off;
pid "${pidFile}";
error_log stderr warn;
events { worker_connections 64; }
http {
  access_log "${accessLog}";
  client_body_temp_path "${tempDir}/body";
  proxy_temp_path "${tempDir}/proxy";
  fastcgi_temp_path "${tempDir}/fastcgi";
  uwsgi_temp_path "${tempDir}/uwsgi";
  scgi_temp_path "${tempDir}/scgi";
  server {
    listen 80 default_server;
    default_type text/plain;
    location / { return 200 "tslab-nonce=${nonce}\\nremote_addr=$remote_addr\\n"; }
  }
}`;
}

/**
 * kube-dns: answers the nginx Service in both cluster.local and the lab's own zone, and the egress Service;
 * it is authoritative for both zones, so other names get NXDOMAIN instead of a forward to nowhere.
 */
export function kubeDnsConfig(lab: LabConfig, plan: LocalPlan, pidFile: string): string {
  const ns = lab.workloads.namespace;
  return [
    ...dnsmasqBase(plan.podIps.kubedns, pidFile),
    `host-record=nginx.${ns}.svc.cluster.local,${lab.workloads.nginxFqdn},${plan.services.nginx}`,
    `host-record=${lab.workloads.egressFqdn},${plan.services.egress}`,
    `local=/${lab.cluster.dnsDomain}/`,
    'local=/cluster.local/',
  ].join('\n');
}

/**
 * The client's resolver: only the lab's cluster zone goes to kube-dns, through the tailnet (Tailscale's split
 * DNS).
 */
export function splitDnsConfig(lab: LabConfig, plan: LocalPlan, pidFile: string): string {
  return [
    ...dnsmasqBase('127.0.0.1', pidFile),
    `server=/${lab.cluster.dnsDomain}/${plan.services.kubeDns}`,
  ].join('\n');
}

/** Reads `server=/<domain>/<ip>` lines back: the split-DNS table as the client resolver has it. */
export function parseSplitDns(config: string): Record<string, string[]> {
  const routes: Record<string, string[]> = {};
  for (const line of config.split('\n')) {
    const match = /^server=\/([^/]+)\/([^\s#]+)\s*$/.exec(line.trim());
    if (!match) continue;
    const [, domain, server] = match as unknown as [string, string, string];
    (routes[domain] ??= []).push(server);
  }
  return routes;
}

function dnsmasqBase(listenAddress: string, pidFile: string): string[] {
  return [
    'keep-in-foreground',
    'log-facility=-',
    `pid-file=${pidFile}`,
    `listen-address=${listenAddress}`,
    'bind-interfaces',
    'no-resolv',
    'no-hosts',
    'no-poll',
  ];
}
