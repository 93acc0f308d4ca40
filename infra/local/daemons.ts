// Starting the lab's servers inside their namespaces, and knowing when they are up.
import { nginxConfig } from './app-configs.ts';
import { statePaths, type LocalPlan } from './plan.ts';
import { inNs, startDaemon, waitUntil, words, writeFile } from './shell.ts';

export const STARTUP_TIMEOUT_S = 5;

export function startNginx(
  plan: LocalPlan,
  namespace: string,
  name: 'nginx' | 'client-nginx',
  nonce: string,
): string[] {
  const conf = statePaths.config(plan, `${name}.conf`);
  const pid = statePaths.pidFile(plan, name);
  const log = statePaths.logFile(plan, name);
  const tempDir = `${plan.stateDir}/run/${name}`;
  return [
    words('install', '-d', '-m', '0700', tempDir),
    writeFile(
      conf,
      nginxConfig({ nonce, pidFile: pid, tempDir, accessLog: statePaths.logFile(plan, `${name}-access`) }),
    ),
    ...startDaemon(namespace, ['nginx', '-c', conf], pid, log),
    waitUntil(listening(namespace, 'tcp', 80), `${name} to listen on :80`, STARTUP_TIMEOUT_S, log),
  ];
}

/** A bash condition: something in the namespace listens on the port. */
export function listening(namespace: string, proto: 'tcp' | 'udp', port: number): string {
  return `${inNs(namespace, 'ss', '-H', proto === 'tcp' ? '-ltn' : '-lun', `sport = :${port}`)} | grep -q .`;
}
