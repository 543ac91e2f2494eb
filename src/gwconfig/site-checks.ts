// Site-wide address checks of a parsed site inventory, located by JSON key path: networks of different
// VLANs that overlap (a host could not tell which interface reaches an address), an interface on its
// network's own network or broadcast address, and a GIN search list naming the container's own address
// (its reverse gateways would search its own forward gateways: a loop). Pure.
import type { Problem } from '../errors.js';
import {
  broadcastOf,
  formatAddressEntry,
  intToIpv4,
  networkBase,
  overlaps,
  parseAddressEntry,
  parseCidr,
  type Ipv4Network,
} from '../net.js';
import type { Site } from './site-model.js';

interface Placed {
  net: Ipv4Network;
  vlan: string;
  key: string;
  who: string;
}

function networkText(net: Ipv4Network): string {
  return `${intToIpv4(networkBase(net))}/${net.prefixLength}`;
}

export function checkSiteAddresses(site: Site): Problem[] {
  const problems: Problem[] = [];
  const error = (key: string, message: string) =>
    problems.push({ file: site.file, key, message, severity: 'error' });
  const placed: Placed[] = [];
  site.containers.forEach((container, i) => {
    if (!container.enabled) return;
    container.interfaces.forEach((itf, j) => {
      const key = `containers[${i}].interfaces[${j}]`;
      const net = parseCidr(itf.address);
      if (net === undefined || !itf.address.includes('/')) return; // reported by the loader
      const who = `${container.hostname} ${itf.name}`;
      if (net.prefixLength < 31) {
        if (net.address === intToIpv4(networkBase(net)))
          error(
            `${key}.address`,
            `${itf.address} is the network address of ${networkText(net)}, not a host's`,
          );
        else if (net.address === broadcastOf(net))
          error(
            `${key}.address`,
            `${itf.address} is the broadcast address of ${networkText(net)}, not a host's`,
          );
      }
      const clash = placed.find((p) => p.vlan !== itf.vlan && overlaps(p.net, net));
      if (clash !== undefined)
        error(
          `${key}.address`,
          `${itf.address} (${itf.vlan}) overlaps ${networkText(clash.net)} of ${clash.vlan} (${clash.who}, ${clash.key}): ` +
            'networks of different VLANs must not overlap',
        );
      placed.push({ net, vlan: itf.vlan, key, who });
    });
    const own = new Map(container.interfaces.map((itf) => [parseCidr(itf.address)?.address, itf.name]));
    container.interfaces.forEach((itf, j) => {
      (itf.search ?? []).forEach((text, k) => {
        const key = `containers[${i}].interfaces[${j}].search[${k}]`;
        const entry = parseAddressEntry(text);
        if (entry === undefined) {
          error(key, `"${text}" must be a numeric IPv4 address, optionally with :port`);
          return;
        }
        const ownInterface = own.get(entry.address);
        if (ownInterface !== undefined)
          error(
            key,
            `${formatAddressEntry(entry)} is ${container.hostname}'s own address (${ownInterface}): its reverse ` +
              "gateways would search its own forward gateways (a loop); list only other containers' gateways",
          );
      });
    });
  });
  return problems;
}
