// Addresses a function reaches only if its project names them: loopback,
// link-local (cloud metadata services live there), private and other
// non-public ranges. A name that resolves to one is refused unless the
// address or the name is listed without a wildcard (no SSRF through DNS), and
// the check is made on the addresses the connection then uses: the lookup
// below is the socket's own, so a second answer cannot slip in between.
import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { OutboundRefusedError } from '../../errors.js';

const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], // private (RFC 1918)
  ['100.64.0.0', 10], // shared address space (carrier NAT, VPN meshes)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local
  ['192.0.0.0', 24], ['198.18.0.0', 15], // protocol assignments, benchmarking
  ['224.0.0.0', 4], ['240.0.0.0', 4], // multicast, reserved and broadcast
] as const) INTERNAL.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128], ['::1', 128], // unspecified, loopback (IPv4-mapped addresses match the IPv4 ranges)
  ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], // unique local, link-local, multicast
  ['64:ff9b:1::', 48], // local-use NAT64
] as const) INTERNAL.addSubnet(network, prefix, 'ipv6');

/** An address only a listed name or address may reach. */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && INTERNAL.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** A socket's lookup that keeps only the addresses `allowed` lets through,
 * and fails (OutboundRefusedError) when none is left. */
export function guardedLookup(allowed: (address: string) => boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const usable = addresses.filter((a) => allowed(a.address));
      if (usable.length === 0) {
        const shown = addresses.map((a) => a.address).join(', ');
        return callback(new OutboundRefusedError(`${hostname} resolves to ${shown}, which only a name or address listed without a wildcard may reach`), []);
      }
      if (options.all) callback(null, usable);
      else callback(null, usable[0]!.address, usable[0]!.family);
    });
  };
}
