// Provision's gate between the AWS stacks and the workloads: the client must be on the tailnet with its routes
// approved, or the runner cannot reach the private EKS endpoint through it.
import { ipv4Of, type Device, type TailscaleApi } from '../../clients/tailscale/api-client.ts';
import { retry } from '../../util/retry.ts';
import type { LabConfig } from '../../lab/config.ts';

export class RouterNotReady extends Error {}

export interface RouterReady {
  device: Device;
  tailnetIp: string | undefined;
  waitedMs: number;
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs: number;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  log?: ((line: string) => void) | undefined;
}

export async function waitForClientRouter(
  api: Pick<TailscaleApi, 'listDevices'>,
  lab: LabConfig,
  options: WaitOptions,
): Promise<RouterReady> {
  const started = Date.now();
  const device = await retry(
    async () => {
      const devices = (await api.listDevices()).filter((d) => d.hostname === lab.client.hostname);
      const online = devices.find((d) => d.connectedToControl);
      if (!online) {
        throw new RouterNotReady(
          devices.length
            ? `${lab.client.hostname} is registered but offline`
            : `${lab.client.hostname} has not joined yet`,
        );
      }
      const missing = lab.tailnet.clientRoutes.filter((r) => !online.enabledRoutes.includes(r));
      if (missing.length) {
        const unadvertised = missing.filter((r) => !online.advertisedRoutes.includes(r));
        throw new RouterNotReady(
          unadvertised.length
            ? `${lab.client.hostname} does not advertise ${unadvertised.join(', ')} yet`
            : `routes ${missing.join(', ')} are not approved (is ${lab.tailnet.slotTag} an autoApprover in the tailnet policy?)`,
        );
      }
      return online;
    },
    {
      label: `wait for ${lab.client.hostname}`,
      maxAttempts: Math.max(1, Math.ceil(options.timeoutMs / options.intervalMs)),
      baseMs: options.intervalMs,
      maxDelayMs: options.intervalMs,
      // Steady polling: the jitter of the shared helper is not wanted for a single waiter.
      random: () => 0.999,
      shouldRetry: (error) => error instanceof RouterNotReady,
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.log ? { log: options.log } : {}),
    },
  );
  return { device, tailnetIp: ipv4Of(device), waitedMs: Date.now() - started };
}
