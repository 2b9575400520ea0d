// IP address and prefix text <-> bytes, pure functions for the netlink codec
// and route keys. IPv6 text is canonical per RFC 5952 §4 (lower case, longest
// run of two or more zero groups compressed, first one on a tie), so a route
// key is the same however the caller spelled the prefix.

export type Family = 4 | 6;

export interface Prefix { family: Family; addr: Buffer; len: number }

function parseV4(s: string): Buffer | undefined {
  // hand-rolled: this runs for every route key (tens of thousands per apply)
  const b = Buffer.allocUnsafe(4);
  let part = 0, val = 0, digits = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46 /* '.' ends the last part */;
    if (c >= 48 && c <= 57) {
      if (digits > 0 && val === 0) return undefined; // leading zero
      val = val * 10 + (c - 48);
      if (++digits > 3 || val > 255) return undefined;
    } else if (c === 46) {
      if (digits === 0 || part > 3) return undefined;
      b[part++] = val;
      val = 0; digits = 0;
    } else {
      return undefined;
    }
  }
  return part === 4 ? b : undefined;
}

function parseV6(s: string): Buffer | undefined {
  if (s.includes('%')) return undefined;
  let tail4: Buffer | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    tail4 = parseV4(s.slice(lastColon + 1));
    if (!tail4) return undefined;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): string[] => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  const b = Buffer.alloc(16);
  for (let i = 0; i < 8; i++) {
    const g = all[i] as string;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    b.writeUInt16BE(parseInt(g, 16), i * 2);
  }
  if (tail4) tail4.copy(b, 12);
  return b;
}

/** Address text to bytes; throws a clear error for anything else. */
export function parseAddress(s: string): { family: Family; addr: Buffer } {
  const v4 = parseV4(s);
  if (v4) return { family: 4, addr: v4 };
  const v6 = parseV6(s);
  if (v6) return { family: 6, addr: v6 };
  throw new Error(`${JSON.stringify(s)} is not an IPv4 or IPv6 address`);
}

export function formatAddress(b: Buffer | Uint8Array, family: Family = b.length === 4 ? 4 : 6): string {
  if (family === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((b[i] as number) << 8) | (b[i + 1] as number));
  let bestAt = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestAt = i; bestLen = j - i; }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}

/** "a/len" (len defaults to the full length) to a prefix; host bits must be zero. */
export function parsePrefix(s: string): Prefix {
  const slash = s.indexOf('/');
  const { family, addr } = parseAddress(slash < 0 ? s : s.slice(0, slash));
  const max = family === 4 ? 32 : 128;
  const lenText = slash < 0 ? String(max) : s.slice(slash + 1);
  const len = /^\d{1,3}$/.test(lenText) ? Number(lenText) : NaN;
  if (!(len >= 0 && len <= max)) throw new Error(`${JSON.stringify(s)}: prefix length must be 0..${max}`);
  for (let bit = len; bit < max; bit++) {
    if (((addr[bit >> 3] as number) >> (7 - (bit & 7))) & 1) {
      throw new Error(`${JSON.stringify(s)}: host bits are set (did you mean ${formatPrefix(maskPrefix(addr, len), len, family)}?)`);
    }
  }
  return { family, addr, len };
}

function maskPrefix(addr: Buffer, len: number): Buffer {
  const b = Buffer.from(addr);
  for (let bit = len; bit < b.length * 8; bit++) b[bit >> 3] = (b[bit >> 3] as number) & ~(1 << (7 - (bit & 7)));
  return b;
}

export function formatPrefix(addr: Buffer | Uint8Array, len: number, family: Family = addr.length === 4 ? 4 : 6): string {
  return `${formatAddress(addr, family)}/${len}`;
}

/** Canonical text of a prefix ("2001:DB8:0::/64" -> "2001:db8::/64", "100.64.0.1" -> "100.64.0.1/32"). */
export function canonicalPrefix(s: string): string {
  const p = parsePrefix(s);
  return formatPrefix(p.addr, p.len, p.family);
}

export function isLinkLocalV6(addr: Buffer): boolean {
  return addr.length === 16 && addr[0] === 0xfe && ((addr[1] as number) & 0xc0) === 0x80;
}
