// Prefix arithmetic for the calculation graph (IPv4 and IPv6), on BigInt:
// parse "a.b.c.d/len" / "x::/len" and test containment. The speaker's codec
// has faster forms; these run per resource change, not per packet.

export interface Cidr {
  readonly v6: boolean;
  readonly addr: bigint;
  readonly len: number;
}

function parseV4(s: string): bigint | undefined {
  const p = s.split('.');
  if (p.length !== 4) return undefined;
  let v = 0n;
  for (const o of p) {
    if (!/^\d{1,3}$/.test(o) || Number(o) > 255) return undefined;
    v = v * 256n + BigInt(o);
  }
  return v;
}

function parseV6(s: string): bigint | undefined {
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const part = (x: string) => (x === '' ? [] : x.split(':'));
  const head = part(halves[0]!), tail = halves.length === 2 ? part(halves[1]!) : [];
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0) return undefined;
  let v = 0n;
  for (const g of [...head, ...Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...tail]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  return v;
}

/** "100.64.0.0/26" or an address alone (host prefix). */
export function parseCidr(text: string): Cidr | undefined {
  const [a, l] = text.split('/');
  if (a === undefined) return undefined;
  const v6 = a.includes(':');
  const addr = v6 ? parseV6(a) : parseV4(a);
  const max = v6 ? 128 : 32;
  const len = l === undefined ? max : Number(l);
  if (addr === undefined || !Number.isInteger(len) || len < 0 || len > max) return undefined;
  return { v6, addr, len };
}

/** `inner` lies inside `outer` (same family, longer or equal prefix). */
export function cidrContains(outer: string, inner: string): boolean {
  const o = parseCidr(outer), i = parseCidr(inner);
  if (!o || !i || o.v6 !== i.v6 || i.len < o.len) return false;
  const bits = BigInt((o.v6 ? 128 : 32) - o.len);
  return (o.addr >> bits) === (i.addr >> bits);
}
