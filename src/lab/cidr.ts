// CIDR arithmetic for the lab's address plan. Parsing is ipaddr.js's; only the set logic lives here.
import ipaddr from 'ipaddr.js';

export interface Cidr {
  readonly text: string;
  readonly kind: 'ipv4' | 'ipv6';
  readonly network: bigint;
  readonly prefix: number;
  readonly bits: 32 | 128;
}

/** Parses "a.b.c.d/n" or an IPv6 CIDR; the address must be the network address (no host bits). */
export function parseCidr(text: string): Cidr {
  const [address, prefix] = ipaddr.parseCIDR(text);
  const kind = address.kind();
  const bits = kind === 'ipv4' ? 32 : 128;
  const value = toBigInt(address.toByteArray());
  const mask = prefixMask(prefix, bits);
  if ((value & ~mask & ((1n << BigInt(bits)) - 1n)) !== 0n) {
    throw new Error(
      `${text} has host bits set (network address is ${formatNetwork(value & mask, bits, prefix)})`,
    );
  }
  return { text, kind, network: value, prefix, bits };
}

export function isValidCidr(text: string): boolean {
  try {
    parseCidr(text);
    return true;
  } catch {
    return false;
  }
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  if (a.kind !== b.kind) return false;
  const shorter = Math.min(a.prefix, b.prefix);
  const mask = prefixMask(shorter, a.bits);
  return (a.network & mask) === (b.network & mask);
}

export function contains(outer: Cidr, inner: Cidr): boolean {
  return outer.kind === inner.kind && outer.prefix <= inner.prefix && overlaps(outer, inner);
}

/** The index-th subnet of `newPrefix` inside `parent` (Terraform's cidrsubnet with an absolute prefix). */
export function subnet(parent: Cidr, newPrefix: number, index: number): Cidr {
  const extra = newPrefix - parent.prefix;
  if (extra < 0 || index < 0 || index >= 2 ** extra) {
    throw new Error(`cannot take subnet #${index} of /${newPrefix} inside ${parent.text}`);
  }
  const network = parent.network + (BigInt(index) << BigInt(parent.bits - newPrefix));
  return parseCidr(formatNetwork(network, parent.bits, newPrefix));
}

/** The host address `offset` inside the block (offset 2 of a VPC is its Amazon resolver). */
export function hostAddress(block: Cidr, offset: number): string {
  return formatAddress(block.network + BigInt(offset), block.bits);
}

function prefixMask(prefix: number, bits: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return (all << BigInt(bits - prefix)) & all;
}

function toBigInt(bytes: number[]): bigint {
  return bytes.reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
}

function formatAddress(value: bigint, bits: number): string {
  const bytes: number[] = [];
  for (let i = bits / 8 - 1; i >= 0; i--) bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

function formatNetwork(value: bigint, bits: number, prefix: number): string {
  return `${formatAddress(value, bits)}/${prefix}`;
}
