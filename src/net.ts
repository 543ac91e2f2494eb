// IPv4 addresses and ports, parsed one way for the config generator, the EPICS_CA*/CAS* environment, the
// CA client and access security: dotted quads, CIDR, host[:port], broadcast, overlap, membership.
// Pure: no DNS, no sockets. A dotted quad must be canonical (no leading zeros): inet_aton reads 010 as
// octal 8 and EPICS's aToIPAddr as decimal 10, so such an address is refused rather than guessed.

/** A parsed IPv4 network: the interface address and its prefix length. */
export interface Ipv4Network {
  address: string;
  prefixLength: number;
}

const QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** True for a canonical dotted quad such as 10.17.19.91 (no leading zeros, each part 0..255). */
export function isIpv4(text: string): boolean {
  return QUAD.test(text);
}

/** The address as an unsigned 32-bit number; undefined unless it is a canonical dotted quad. */
export function parseIpv4(text: string): number | undefined {
  return isIpv4(text) ? ipv4ToInt(text) : undefined;
}

/** A canonical dotted quad (checked by the caller) as an unsigned 32-bit number. */
export function ipv4ToInt(address: string): number {
  return address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

export function intToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** Parses "a.b.c.d/len" (or a bare address, taken as /32); undefined when malformed. */
export function parseCidr(text: string): Ipv4Network | undefined {
  const [address, len, extra] = text.split('/');
  if (address === undefined || extra !== undefined || !isIpv4(address)) return undefined;
  if (len === undefined) return { address, prefixLength: 32 };
  if (!/^(3[0-2]|[12]?\d)$/.test(len)) return undefined;
  return { address, prefixLength: Number(len) };
}

function maskSize(prefixLength: number): number {
  return 2 ** (32 - prefixLength);
}

export function networkBase(net: Ipv4Network): number {
  const size = maskSize(net.prefixLength);
  return Math.floor(ipv4ToInt(net.address) / size) * size;
}

/** The directed broadcast address of a network (the address itself for /31 and /32). */
export function broadcastOf(net: Ipv4Network): string {
  if (net.prefixLength >= 31) return net.address;
  return intToIpv4(networkBase(net) + maskSize(net.prefixLength) - 1);
}

export function contains(net: Ipv4Network, address: string): boolean {
  const base = networkBase(net);
  const value = ipv4ToInt(address);
  return value >= base && value < base + maskSize(net.prefixLength);
}

export function overlaps(a: Ipv4Network, b: Ipv4Network): boolean {
  const aBase = networkBase(a);
  const bBase = networkBase(b);
  return aBase < bBase + maskSize(b.prefixLength) && bBase < aBase + maskSize(a.prefixLength);
}

export function isLoopback(address: string): boolean {
  return address.startsWith('127.');
}

/** An entry of a CA address list: numeric IPv4 with an optional port. */
export interface AddressEntry {
  address: string;
  port?: number;
}

/** A TCP/UDP port, 1..65535 in decimal; undefined otherwise. */
export function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** Parses "a.b.c.d" or "a.b.c.d:port"; undefined when malformed. */
export function parseAddressEntry(text: string): AddressEntry | undefined {
  const [address, port, extra] = text.split(':');
  if (address === undefined || extra !== undefined || !isIpv4(address)) return undefined;
  if (port === undefined) return { address };
  const n = parsePort(port);
  return n === undefined ? undefined : { address, port: n };
}

/** Parses "host" or "host:port" (a host name or an address, as EPICS_CA_ADDR_LIST takes); the default
 * port applies when none is given. Undefined when malformed. */
export function parseHostPort(text: string, defaultPort: number): { host: string; port: number } | undefined {
  const m = /^([^:\s]+)(?::(\d+))?$/.exec(text.trim());
  if (!m?.[1]) return undefined;
  const port = m[2] === undefined ? defaultPort : parsePort(m[2]);
  return port === undefined ? undefined : { host: m[1], port };
}

/** The directed broadcast of an interface address and its netmask (address | ~netmask). */
export function broadcastAddress(address: string, netmask: string): string {
  const mask = ipv4ToInt(netmask);
  return intToIpv4((ipv4ToInt(address) | (~mask >>> 0)) >>> 0);
}

export function formatAddressEntry(entry: AddressEntry): string {
  return entry.port === undefined ? entry.address : `${entry.address}:${entry.port}`;
}
