// IP addresses in the compact forms the codec uses: IPv4 as an unsigned 32-bit
// number, IPv6 as four unsigned 32-bit words (most significant first); text
// forms are dotted quad and RFC 5952 compressed IPv6. Hand-written rather than
// ip-num because they sit on the decode path (see README, "Wire codec").

export function ipv4ToString(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Parses a dotted quad; returns undefined when it is not one. */
export function parseIpv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function readIpv4(buf: Buffer, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

export function writeIpv4(s: string, buf: Buffer, off: number): void {
  const n = parseIpv4(s);
  if (n === undefined) throw new TypeError(`not an IPv4 address: ${JSON.stringify(s)}`);
  buf.writeUInt32BE(n, off);
}

export type Words6 = [number, number, number, number];

/** Parses IPv6 text (with :: and an optional dotted-quad tail) into four words. */
export function parseIpv6(s: string): Words6 | undefined {
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const g = items[i]!;
      if (i === items.length - 1 && g.includes('.')) {
        const v4 = parseIpv4(g);
        if (v4 === undefined) return undefined;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  const all = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail];
  const w = (i: number) => ((all[i]! << 16) | all[i + 1]!) >>> 0;
  return [w(0), w(2), w(4), w(6)];
}

/** RFC 5952 text: lowercase, longest run (>1) of zero groups as ::. */
export function ipv6ToString(w0: number, w1: number, w2: number, w3: number): string {
  const g = [w0 >>> 16, w0 & 0xffff, w1 >>> 16, w1 & 0xffff, w2 >>> 16, w2 & 0xffff, w3 >>> 16, w3 & 0xffff];
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

export function readIpv6(buf: Buffer, off: number): string {
  return ipv6ToString(buf.readUInt32BE(off), buf.readUInt32BE(off + 4), buf.readUInt32BE(off + 8), buf.readUInt32BE(off + 12));
}

export function writeIpv6(s: string, buf: Buffer, off: number): void {
  const w = parseIpv6(s);
  if (!w) throw new TypeError(`not an IPv6 address: ${JSON.stringify(s)}`);
  buf.writeUInt32BE(w[0], off);
  buf.writeUInt32BE(w[1], off + 4);
  buf.writeUInt32BE(w[2], off + 8);
  buf.writeUInt32BE(w[3], off + 12);
}

export function isIpv6Text(s: string): boolean {
  return s.includes(':');
}
