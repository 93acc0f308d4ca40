// The Tailscale API v2 device shape (docs/design/tailscale-api.md §2), parsed at the boundary so the rest of
// tslab sees arrays where Go's encoder may send null or omit the field (tags, routes without ?fields=all).
import { isIPv4 } from 'node:net';
import { z } from 'zod';

/** A list the API may omit or send as null: both mean "none". */
const stringList = z
  .array(z.string())
  .nullish()
  .transform((list) => list ?? []);

const derpLatencySchema = z.object({ latencyMs: z.number(), preferred: z.boolean().optional() });

export const clientConnectivitySchema = z.object({
  /** The client's magicsock UDP ip:port endpoints. */
  endpoints: stringList,
  /** The DERP region the client prefers, e.g. "nyc"; empty when unknown. */
  derp: z
    .string()
    .nullish()
    .transform((derp) => derp ?? ''),
  mappingVariesByDestIP: z.boolean().nullish(),
  /** DERP region name → measured latency. */
  latency: z
    .record(z.string(), derpLatencySchema)
    .nullish()
    .transform((latency) => latency ?? {}),
  clientSupports: z.record(z.string(), z.boolean().nullish()).nullish(),
});

export const deviceSchema = z.object({
  /** Legacy numeric id; accepted wherever a device id is. */
  id: z.string(),
  /** Preferred id; older responses lack it. */
  nodeId: z.string().default(''),
  /** MagicDNS name (FQDN); de-duplicated by the control plane ("host-1") when hostnames collide. */
  name: z.string(),
  /** The OS hostname the device announced. */
  hostname: z.string(),
  addresses: stringList,
  tags: stringList,
  user: z.string().optional(),
  os: z.string().optional(),
  clientVersion: z.string().optional(),
  created: z.string().optional(),
  authorized: z.boolean().optional(),
  isEphemeral: z.boolean().optional(),
  isExternal: z.boolean().optional(),
  /** The API's "online": the device holds a connection to the control plane right now. */
  connectedToControl: z.boolean().default(false),
  /** Left out by the API while connectedToControl is true. */
  lastSeen: z.string().optional(),
  /** Only with ?fields=all. */
  advertisedRoutes: stringList,
  /** Only with ?fields=all. */
  enabledRoutes: stringList,
  /** Only with ?fields=all. */
  clientConnectivity: clientConnectivitySchema.optional(),
});

export type Device = z.infer<typeof deviceSchema>;
export type ClientConnectivity = z.infer<typeof clientConnectivitySchema>;

export const devicesResponseSchema = z.object({
  devices: z
    .array(deviceSchema)
    .nullish()
    .transform((d) => d ?? []),
});

export const deviceRoutesSchema = z.object({ advertisedRoutes: stringList, enabledRoutes: stringList });
export type DeviceRoutes = z.infer<typeof deviceRoutesSchema>;

/** Domain → nameservers. */
export const splitDnsSchema = z.record(z.string(), stringList);
export type SplitDns = z.infer<typeof splitDnsSchema>;

/**
 * Devices whose hostname (or the first label of their MagicDNS name) is `hostname`, case-insensitively; the ones
 * connected to control first, then the most recently created, so a stale twin from an earlier lab sorts last.
 */
export function findDevicesByHostname(devices: readonly Device[], hostname: string): Device[] {
  const wanted = hostname.toLowerCase();
  const matches = devices.filter(
    (device) =>
      device.hostname.toLowerCase() === wanted || device.name.toLowerCase().split('.')[0] === wanted,
  );
  return matches.sort(
    (a, b) =>
      Number(b.connectedToControl) - Number(a.connectedToControl) ||
      (b.created ?? '').localeCompare(a.created ?? ''),
  );
}

/** The device's Tailscale IPv4 address, chosen by its shape: the API does not promise an order. */
export function ipv4Of(device: Pick<Device, 'addresses'>): string | undefined {
  return device.addresses.find((address) => isIPv4(address));
}
