// Removes the lab's devices from the tailnet: what the lab guide has you delete by hand in the admin console
// (docs/design/lab.md §4).
import { errorMessage } from '../../lab/errors.ts';
import { isLabTailnetHostname } from '../../lab/ownership.ts';
import type { TailscaleApi } from '../../clients/tailscale/api-client.ts';

export interface RemovedDevice {
  id: string;
  hostname: string;
  result: 'deleted' | 'already-gone' | 'would-delete';
}

/** Some devices could not be removed (the API client already retried throttling and 5xx); the others were. */
export class DeviceRemovalError extends Error {
  readonly removed: RemovedDevice[];
  readonly failed: { hostname: string; reason: string }[];

  constructor(removed: RemovedDevice[], failed: { hostname: string; reason: string }[]) {
    super(
      `could not remove tailnet device(s) ${failed.map((f) => `${f.hostname} (${f.reason})`).join(', ')}`,
    );
    this.name = 'DeviceRemovalError';
    this.removed = removed;
    this.failed = failed;
  }
}

/** Tries every device of the lab, so one refused delete does not leave the others behind. */
export async function removeLabDevices(
  api: Pick<TailscaleApi, 'listDevices' | 'deleteDevice'>,
  labId: string,
  options: { dryRun?: boolean } = {},
): Promise<RemovedDevice[]> {
  const devices = (await api.listDevices()).filter((d) => isLabTailnetHostname(labId, d.hostname));
  const removed: RemovedDevice[] = [];
  const failed: { hostname: string; reason: string }[] = [];
  for (const device of devices) {
    const id = device.nodeId || device.id;
    try {
      const result = options.dryRun ? 'would-delete' : await api.deleteDevice(id);
      removed.push({ id, hostname: device.hostname, result });
    } catch (error) {
      failed.push({ hostname: device.hostname, reason: errorMessage(error) });
    }
  }
  if (failed.length) throw new DeviceRemovalError(removed, failed);
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
