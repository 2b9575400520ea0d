// The network rule of ARCHITECTURE.md ("Network namespace test hosts") as
// code: underlay addresses only from 198.18.0.0/15 (RFC 2544) and, for IPv6
// transport, 2001:db8::/32 (documentation) or fd00::/8 (ULA); routes only from
// 100.64.0.0/10 and the same IPv6 ranges; never a default route. Labs and
// peer drivers call these before configuring anything.
import { BlockList, isIPv4, isIPv6 } from 'node:net';

const underlay = new BlockList();
underlay.addSubnet('198.18.0.0', 15, 'ipv4');
underlay.addSubnet('2001:db8::', 32, 'ipv6');
underlay.addSubnet('fd00::', 8, 'ipv6');

const routes = new BlockList();
routes.addSubnet('100.64.0.0', 10, 'ipv4');
routes.addSubnet('2001:db8::', 32, 'ipv6');
routes.addSubnet('fd00::', 8, 'ipv6');

export const family = (addr: string): 'ipv4' | 'ipv6' => {
  if (isIPv4(addr)) return 'ipv4';
  if (isIPv6(addr)) return 'ipv6';
  throw new Error(`not an IP address: ${addr}`);
};

/** Splits "a/len" into address and length, checking both. */
export function parseCidr(cidr: string): { addr: string; len: number; family: 'ipv4' | 'ipv6' } {
  const [addr = '', lenText] = cidr.split('/');
  const fam = family(addr);
  const len = lenText === undefined ? (fam === 'ipv4' ? 32 : 128) : Number(lenText);
  if (!Number.isInteger(len) || len < 0 || len > (fam === 'ipv4' ? 32 : 128)) throw new Error(`bad prefix length in ${cidr}`);
  return { addr, len, family: fam };
}

/** Throws unless addr (or addr/len) is an allowed underlay address. */
export function assertUnderlay(addrOrCidr: string): void {
  const { addr, family: fam } = parseCidr(addrOrCidr);
  if (!underlay.check(addr, fam)) {
    throw new Error(`network rule: ${addrOrCidr} is not in 198.18.0.0/15, 2001:db8::/32 or fd00::/8 (underlay addresses only)`);
  }
}

/** Throws unless the prefix lies inside 100.64.0.0/10, 2001:db8::/32 or fd00::/8 (never a default route). */
export function assertRoutePrefix(cidr: string): void {
  const { addr, len, family: fam } = parseCidr(cidr);
  const minLen = fam === 'ipv4' ? 10 : addr.toLowerCase().startsWith('fd') ? 8 : 32;
  if (len < minLen || !routes.check(addr, fam)) {
    throw new Error(`network rule: route ${cidr} is not inside 100.64.0.0/10, 2001:db8::/32 or fd00::/8`);
  }
}
