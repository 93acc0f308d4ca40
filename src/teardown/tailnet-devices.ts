// Removes the lab's devices from the tailnet: what the seed's author deleted by hand in the admin console.
import { isLabTailnetHostname } from '../lab/ownership.ts';
import type { TailscaleApi } from '../tailscale/api-client.ts';

export interface RemovedDevice {
  id: string;
  hostname: string;
  result: 'deleted' | 'already-gone' | 'would-delete';
}

export async function removeLabDevices(
  api: Pick<TailscaleApi, 'listDevices' | 'deleteDevice'>,
  labId: string,
  options: { dryRun?: boolean } = {},
): Promise<RemovedDevice[]> {
  const devices = (await api.listDevices()).filter((d) => isLabTailnetHostname(labId, d.hostname));
  const removed: RemovedDevice[] = [];
  for (const device of devices) {
    const id = device.nodeId || device.id;
    const result = options.dryRun ? 'would-delete' : await api.deleteDevice(id);
    removed.push({ id, hostname: device.hostname, result });
  }
  return removed;
}

/** Hostnames of lab devices still on the tailnet (the operator removes its proxies' devices asynchronously). */
export async function remainingLabDevices(
  api: Pick<TailscaleApi, 'listDevices'>,
  labId: string,
): Promise<string[]> {
  return (await api.listDevices())
    .filter((d) => isLabTailnetHostname(labId, d.hostname))
    .map((d) => d.hostname);
}
