// Outbound URL policy: https everywhere except loopback; link-local and cloud-metadata destinations are
// refused both as written and as resolved at connect time, so a name that later resolves (DNS rebinding)
// to a metadata or link-local address cannot be reached either.
import { BlockList, isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { promises as dns } from 'node:dns';

export const ADDRESS_CLASSES = [
  'loopback',
  'link_local',
  'metadata',
  'unspecified',
  'multicast',
  'routable',
] as const;
export type AddressClass = (typeof ADDRESS_CLASSES)[number];

// Instance-metadata endpoints of the clouds we know of; most are link-local anyway, listed so the refusal
// says "metadata" and so the ones that are not link-local (Alibaba, Azure wireserver, AWS IPv6) are caught.
const METADATA_ADDRESSES: ReadonlyArray<readonly [string, 'ipv4' | 'ipv6']> = [
  ['169.254.169.254', 'ipv4'], // AWS, GCP, Azure, OCI, DigitalOcean, OpenStack
  ['169.254.170.2', 'ipv4'], // AWS ECS task metadata
  ['169.254.169.253', 'ipv4'], // AWS VPC DNS
  ['fd00:ec2::254', 'ipv6'], // AWS IMDS over IPv6
  ['100.100.100.200', 'ipv4'], // Alibaba Cloud
  ['168.63.129.16', 'ipv4'], // Azure wireserver
];
const METADATA_HOSTNAMES = new Set([
  'metadata.google.internal',
  'metadata.goog',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
]);

const metadata = new BlockList();
for (const [address, family] of METADATA_ADDRESSES) metadata.addAddress(address, family);
const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');
const linkLocal = new BlockList();
linkLocal.addSubnet('169.254.0.0', 16, 'ipv4');
linkLocal.addSubnet('fe80::', 10, 'ipv6');
const unspecified = new BlockList();
unspecified.addSubnet('0.0.0.0', 8, 'ipv4');
unspecified.addAddress('::', 'ipv6');
const multicast = new BlockList();
multicast.addSubnet('224.0.0.0', 4, 'ipv4');
multicast.addAddress('255.255.255.255', 'ipv4');
multicast.addSubnet('ff00::', 8, 'ipv6');

/** Classifies an IP address (v4, v6, or IPv4-mapped v6); `null` when it is not an IP address. */
export function classifyAddress(address: string): AddressClass | null {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const version = isIP(bare);
  if (version === 0) return null;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  // BlockList matches IPv4 rules against IPv4-mapped IPv6 addresses (::ffff:169.254.169.254) too.
  if (metadata.check(bare, family)) return 'metadata';
  if (loopback.check(bare, family)) return 'loopback';
  if (linkLocal.check(bare, family)) return 'link_local';
  if (unspecified.check(bare, family)) return 'unspecified';
  if (multicast.check(bare, family)) return 'multicast';
  return 'routable';
}

const REFUSED_CLASSES: ReadonlySet<AddressClass> = new Set([
  'link_local',
  'metadata',
  'unspecified',
  'multicast',
]);

export type UrlCheck =
  | { readonly ok: true; readonly url: URL; readonly isLoopbackOnly: boolean }
  | { readonly ok: false; readonly reason: string };

function normaliseHostname(hostname: string): string {
  let host = hostname.toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  // A trailing dot names the same host (fully qualified); strip it so "localhost." and
  // "metadata.google.internal." are recognised.
  while (host.endsWith('.')) host = host.slice(0, -1);
  return host;
}

/**
 * Checks a URL as written: http(s) only, https unless the host is loopback (127.0.0.0/8, ::1,
 * localhost), no credentials in the URL, no link-local, metadata, unspecified or multicast literal.
 * `isLoopbackOnly` tells the connect-time check that every resolved address must be loopback (plain
 * http is only safe there). Names are checked again when they are resolved (`createGuardedLookup`).
 */
export function checkOutboundUrl(input: string | URL): UrlCheck {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { ok: false, reason: 'not a valid absolute URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, reason: `scheme ${url.protocol} is not allowed; use https` };
  }
  if (url.username !== '' || url.password !== '') {
    return { ok: false, reason: 'credentials in the URL are not allowed; configure them as secrets' };
  }
  const host = normaliseHostname(url.hostname);
  if (METADATA_HOSTNAMES.has(host)) {
    return { ok: false, reason: `${host} is a cloud metadata endpoint` };
  }
  const literalClass = classifyAddress(host);
  if (literalClass !== null && REFUSED_CLASSES.has(literalClass)) {
    return { ok: false, reason: `${host} is a ${literalClass.replace('_', '-')} address` };
  }
  const isLoopbackHost = literalClass === 'loopback' || host === 'localhost';
  if (url.protocol === 'http:' && !isLoopbackHost) {
    return {
      ok: false,
      reason: 'plain http is only allowed to loopback (127.0.0.0/8, ::1, localhost); use https',
    };
  }
  return { ok: true, url, isLoopbackOnly: url.protocol === 'http:' };
}

/** Thrown at connect time when a name resolves to an address the policy refuses. */
export class OutboundAddressRefusedError extends Error {
  readonly code = 'ERR_OUTBOUND_ADDRESS_REFUSED';
  constructor(hostname: string, address: string, why: string) {
    super(`refused to connect to ${hostname}: it resolves to ${address}, ${why}`);
    this.name = 'OutboundAddressRefusedError';
  }
}

/** Resolves a host name to all its addresses; injectable so tests can play a rebinding DNS server. */
export type HostResolver = (hostname: string) => Promise<readonly LookupAddress[]>;

export const systemResolver: HostResolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/** Returns why an address resolved for a host is refused, or null when it is allowed. */
export function refusalForResolvedAddress(address: string, isLoopbackOnly: boolean): string | null {
  const addressClass = classifyAddress(address);
  if (addressClass === null) return 'not an IP address';
  if (REFUSED_CLASSES.has(addressClass)) return `a ${addressClass.replace('_', '-')} address`;
  if (isLoopbackOnly && addressClass !== 'loopback') return 'not loopback, and the URL uses plain http';
  return null;
}

/**
 * A `lookup` for net/tls.connect that resolves, checks every address, and only then lets the socket
 * connect. Checking at connect time (not just once up front) is what defeats DNS rebinding: the address
 * checked is the address used.
 */
export function createGuardedLookup(options: {
  isLoopbackOnly: boolean;
  resolve?: HostResolver;
}): LookupFunction {
  const resolve = options.resolve ?? systemResolver;
  return (hostname, lookupOptions, callback): void => {
    const wantsAll = lookupOptions.all === true;
    resolve(hostname).then(
      (addresses) => {
        if (addresses.length === 0) {
          const error: NodeJS.ErrnoException = new Error(`no addresses for ${hostname}`);
          error.code = 'ENOTFOUND';
          callback(error, '');
          return;
        }
        for (const entry of addresses) {
          const why = refusalForResolvedAddress(entry.address, options.isLoopbackOnly);
          if (why !== null) {
            callback(new OutboundAddressRefusedError(hostname, entry.address, why), '');
            return;
          }
        }
        const first = addresses[0] as LookupAddress;
        if (wantsAll)
          callback(
            null,
            addresses.map((a) => ({ address: a.address, family: a.family })),
          );
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}
