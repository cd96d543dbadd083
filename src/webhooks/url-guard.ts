// Request forgery guard: a webhook URL is chosen by an organization's user, and the gateway POSTs to
// it from inside the operator's network. So an endpoint may not point at private, loopback,
// link-local, multicast or otherwise special addresses unless the operator allows them
// (WEBHOOK_ALLOW_PRIVATE_ADDRESSES). Checked twice: the URL's literal host when a webhook is saved,
// and every address its host resolves to when a delivery is sent (a name may resolve to 127.0.0.1,
// or to something else on the second lookup: the delivery then connects to the address checked here).
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** The longest URL a webhook may have. */
export const MAX_URL_LENGTH = 2048;

/** IPv4 ranges that are not the public internet (IANA special-purpose registry). */
const SPECIAL_IPV4: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], // "this network", the unspecified address
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata services (169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated)
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

/** IPv6 ranges that are not the public internet. IPv4-mapped addresses (::ffff:a.b.c.d) are matched against the IPv4 ranges by BlockList itself. */
const SPECIAL_IPV6: ReadonlyArray<readonly [string, number]> = [
  ['::', 96], // unspecified (::), loopback (::1), IPv4-compatible (deprecated)
  ['::ffff:0:0:0', 96], // IPv4-translated
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001::', 32], // Teredo (hides an IPv4 address)
  ['2001:2::', 48], // benchmarking
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

/** `a.b.c.d` as the two 16-bit groups of an IPv6 address that embeds it. */
function ipv4Groups(address: string): string {
  const [a, b, c, d] = address.split('.').map(Number) as [number, number, number, number];
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

function specialAddresses(): BlockList {
  const list = new BlockList();
  for (const [address, prefix] of SPECIAL_IPV4) {
    list.addSubnet(address, prefix, 'ipv4');
    // The same IPv4 ranges inside the IPv6 forms that carry an IPv4 address: NAT64 (64:ff9b::/96)
    // and 6to4 (2002::/16) would route to them.
    list.addSubnet(`64:ff9b::${ipv4Groups(address)}`, 96 + prefix, 'ipv6');
    list.addSubnet(`2002:${ipv4Groups(address)}::`, 16 + prefix, 'ipv6');
  }
  for (const [address, prefix] of SPECIAL_IPV6) list.addSubnet(address, prefix, 'ipv6');
  return list;
}

const SPECIAL = specialAddresses();

/** `localhost.` and `LocalHost` are `localhost`. */
const normalHost = (host: string): string => host.toLowerCase().replace(/\.$/, '');

/** A URL's hostname without IPv6 brackets. */
const bareHost = (hostname: string): string => hostname.replace(/^\[(.*)\]$/, '$1');

/** What the operator allows despite the rules: address ranges and host names (WEBHOOK_ALLOW_PRIVATE_ADDRESSES). */
export class AddressPolicy {
  readonly #ranges = new BlockList();
  readonly #hosts = new Set<string>();
  /** The entries as given, for logs and messages. */
  readonly entries: readonly string[];

  /** `entries`: CIDRs (`127.0.0.1/32`, `fd00::/8`), single addresses, or host names. Throws on a malformed entry. */
  constructor(entries: readonly string[] = []) {
    this.entries = entries;
    for (const entry of entries) {
      const [address, prefix, extra] = entry.split('/');
      const family = isIP(address ?? '');
      if (family) {
        const bits = prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix);
        if (extra !== undefined || !/^\d{1,3}$/.test(prefix ?? String(bits)) || bits > (family === 4 ? 32 : 128)) {
          throw new Error(`${JSON.stringify(entry)} is not a CIDR range`);
        }
        this.#ranges.addSubnet(address!, bits, family === 4 ? 'ipv4' : 'ipv6');
      } else if (prefix === undefined && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/i.test(entry)) {
        this.#hosts.add(normalHost(entry));
      } else {
        throw new Error(`${JSON.stringify(entry)} is neither an address range (CIDR) nor a host name`);
      }
    }
  }

  /** Whether a request may go to `address` (an IPv4 or IPv6 address). */
  allowsAddress(address: string): boolean {
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    return !SPECIAL.check(address, family) || this.#ranges.check(address, family);
  }

  /** Whether the operator named this host: it may then resolve to anything. */
  allowsHostByName(hostname: string): boolean {
    return this.#hosts.has(normalHost(bareHost(hostname)));
  }
}

/** Why a host cannot be used, or null when it may. Only the literal host: a name is resolved at delivery. */
export function refuseHost(hostname: string, policy: AddressPolicy): string | null {
  if (policy.allowsHostByName(hostname)) return null;
  const host = normalHost(bareHost(hostname));
  if (isIP(host)) return policy.allowsAddress(host) ? null : `points at a private or reserved address (${host})`;
  // RFC 6761: localhost and its subdomains are the machine itself, whatever DNS says.
  if (host === 'localhost' || host.endsWith('.localhost')) return `points at this machine (${host})`;
  return null;
}

/**
 * The problem with a webhook URL a user gives, or null when there is none: it must parse, be http
 * or https, hold no user name or password, be at most MAX_URL_LENGTH characters, and not point at a
 * private address literally. The URL parser has already turned `2130706433`, `0x7f.1` and `0177.0.0.1`
 * into `127.0.0.1`, so the check sees every spelling of an address as the address.
 */
export function checkWebhookUrl(raw: string, policy: AddressPolicy): string | null {
  if (raw.length > MAX_URL_LENGTH) return `is too long (maximum is ${MAX_URL_LENGTH} characters)`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must start with https:// or http://';
  if (url.username || url.password) return 'cannot contain a user name or password (use the signing secret to authenticate deliveries)';
  const refused = refuseHost(url.hostname, policy);
  return refused && `${refused}: such addresses are not allowed`;
}

export interface ResolvedTarget {
  address: string;
  family: 4 | 6;
}

/**
 * What a delivery's endpoint shows when its address may not be used. It never names the address or
 * what a name resolved to (that would let an organization map the operator's DNS), and a name that
 * resolves to a private address reads like one that does not resolve: either way, its address was
 * not found or is not allowed.
 */
export const ADDRESS_NOT_ALLOWED = 'refused: the address is not allowed';
export const HOST_NOT_USABLE = 'host not found, or its address is not allowed';

/** A delivery's host resolved to an address it may not reach. The message is ADDRESS_NOT_ALLOWED or HOST_NOT_USABLE; `detail` is for the operator's log. */
export class RefusedAddress extends Error {
  constructor(
    message: string,
    readonly detail: string,
  ) {
    super(message);
    this.name = 'RefusedAddress';
  }
}

export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

/**
 * The address a delivery connects to: every address the host resolves to must be allowed (one bad
 * record is enough to refuse: the connection could otherwise land on it), and the first is used.
 * Throws RefusedAddress, or the resolver's error (ENOTFOUND...: post.ts words it like a refusal).
 */
export async function resolveTarget(hostname: string, policy: AddressPolicy, resolve: Resolver = systemResolver): Promise<ResolvedTarget> {
  const host = bareHost(hostname);
  const literal = refuseHost(host, policy);
  if (literal) throw new RefusedAddress(isIP(host) ? ADDRESS_NOT_ALLOWED : HOST_NOT_USABLE, `the URL ${literal}`);
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolve(host);
  if (!addresses.length) throw new RefusedAddress(HOST_NOT_USABLE, `${host} resolves to no address`);
  if (!policy.allowsHostByName(host)) {
    const bad = addresses.find((a) => !policy.allowsAddress(a.address));
    if (bad) throw new RefusedAddress(HOST_NOT_USABLE, `${host} resolves to a private or reserved address (${bad.address})`);
  }
  const first = addresses[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
