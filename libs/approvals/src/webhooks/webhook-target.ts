import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Address ranges a webhook may not reach unless WEBHOOK_ALLOW_PRIVATE_TARGETS is on (security spec §8). */
const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT (shared, private in practice)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata services live here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local (private)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address is private, loopback, link-local or otherwise not a public destination. */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return FORBIDDEN.check(address, 'ipv4');
  if (family !== 6) return true;
  // IPv4-mapped and IPv4-compatible forms reach the IPv4 address they carry.
  const mapped = /^(?:::ffff:|::)(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1] !== undefined) return FORBIDDEN.check(mapped[1], 'ipv4');
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hexMapped?.[1] !== undefined && hexMapped[2] !== undefined) {
    const hi = parseInt(hexMapped[1], 16);
    const lo = parseInt(hexMapped[2], 16);
    return FORBIDDEN.check(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, 'ipv4');
  }
  return FORBIDDEN.check(address, 'ipv6');
}

/** A webhook URL that may not be called: not http(s), unresolvable, or a forbidden address. */
export class WebhookTargetError extends Error {
  constructor(
    message: string,
    /** A DNS failure may pass; a forbidden address or a bad URL will not. */
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'WebhookTargetError';
  }
}

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to every address it has (the system resolver, as connections use). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

/** Parses a webhook URL: http or https, a host, no credentials. */
export function parseWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookTargetError('must be an absolute http:// or https:// URL', true);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new WebhookTargetError('must be an http:// or https:// URL', true);
  if (url.username !== '' || url.password !== '')
    throw new WebhookTargetError('must not carry credentials; the body is signed instead', true);
  if (url.hostname === '') throw new WebhookTargetError('must name a host', true);
  return url;
}

/**
 * The address to connect to for `url`, checked: every address the host resolves to must be public
 * unless private targets are allowed. The connection is then made to exactly that address, so a DNS
 * answer that changes between the check and the connection cannot smuggle a private one in.
 */
export async function resolveTarget(
  url: URL,
  allowPrivate: boolean,
  resolver: Resolver = systemResolver,
): Promise<ResolvedAddress> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const literal = isIP(host);
  let addresses: ResolvedAddress[];
  if (literal !== 0) {
    addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await resolver(host);
    } catch (error) {
      throw new WebhookTargetError(
        `host ${host} does not resolve (${error instanceof Error ? error.message : String(error)})`,
        false,
      );
    }
  }
  const first = addresses[0];
  if (first === undefined) throw new WebhookTargetError(`host ${host} does not resolve`, false);
  if (!allowPrivate) {
    const forbidden = addresses.find((a) => isForbiddenAddress(a.address));
    if (forbidden !== undefined) {
      throw new WebhookTargetError(
        `${host === forbidden.address ? host : `${host} resolves to ${forbidden.address}, which`} is a private, loopback or link-local address; such targets are refused (WEBHOOK_ALLOW_PRIVATE_TARGETS)`,
        true,
      );
    }
  }
  return first;
}
