// data `tailscale_device`: one device of the tailnet, looked up by short hostname or full MagicDNS name.
import type { IResolvable, TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import type { AttributeSchema } from './attributes.ts';
import { TailscaleDataSource } from './element.ts';

export interface DataTailscaleDeviceArgs {
  /** Short hostname, e.g. `tslab-demo-client`. */
  hostname?: string;
  /** Full name, e.g. `tslab-demo-client.tail1234.ts.net`. */
  name?: string;
  /** Keep retrying (every second) for this long, e.g. "120s", while the device has not joined yet. */
  waitFor?: string;
}

export const DATA_DEVICE_SCHEMA: AttributeSchema<DataTailscaleDeviceArgs> = {
  hostname: { name: 'hostname', kind: 'string' },
  name: { name: 'name', kind: 'string' },
  waitFor: { name: 'wait_for', kind: 'string' },
};

export class DataTailscaleDevice extends TailscaleDataSource<DataTailscaleDeviceArgs> {
  static readonly dataSourceType = 'tailscale_device';

  constructor(scope: Construct, id: string, config: DataTailscaleDeviceArgs & TerraformMetaArguments) {
    if (config.hostname === undefined && config.name === undefined) {
      throw new Error(`tailscale_device '${id}' needs a hostname or a name to look the device up by`);
    }
    super(scope, id, DataTailscaleDevice.dataSourceType, config, DATA_DEVICE_SCHEMA);
  }

  /** Tailnet addresses, IPv4 and IPv6, in no guaranteed order. */
  get addresses(): string[] {
    return this.getListAttribute('addresses');
  }

  /**
   * The device's IPv4 tailnet address, picked by shape (the element without ':') rather than by position: the API
   * does not promise that IPv4 comes first. Fails the plan if the device has no IPv4 address.
   */
  get ipv4Address(): string {
    return `\${[for address in ${this.fqn}.addresses : address if !strcontains(address, ":")][0]}`;
  }

  /** The preferred device identifier for the API (`nodeId`). */
  get nodeId(): string {
    return this.getStringAttribute('node_id');
  }

  get authorized(): IResolvable {
    return this.getBooleanAttribute('authorized');
  }

  get blocksIncomingConnections(): IResolvable {
    return this.getBooleanAttribute('blocks_incoming_connections');
  }

  get clientVersion(): string {
    return this.getStringAttribute('client_version');
  }

  get created(): string {
    return this.getStringAttribute('created');
  }

  get expires(): string {
    return this.getStringAttribute('expires');
  }

  get isExternal(): IResolvable {
    return this.getBooleanAttribute('is_external');
  }

  get keyExpiryDisabled(): IResolvable {
    return this.getBooleanAttribute('key_expiry_disabled');
  }

  get lastSeen(): string {
    return this.getStringAttribute('last_seen');
  }

  get machineKey(): string {
    return this.getStringAttribute('machine_key');
  }

  get nodeKey(): string {
    return this.getStringAttribute('node_key');
  }

  get os(): string {
    return this.getStringAttribute('os');
  }

  get tags(): string[] {
    return this.getListAttribute('tags');
  }

  get tailnetLockError(): string {
    return this.getStringAttribute('tailnet_lock_error');
  }

  get tailnetLockKey(): string {
    return this.getStringAttribute('tailnet_lock_key');
  }

  get updateAvailable(): IResolvable {
    return this.getBooleanAttribute('update_available');
  }

  get user(): string {
    return this.getStringAttribute('user');
  }
}
