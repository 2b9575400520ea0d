// FQDN / hostname capability (draft-walton-bgp-hostname-capability, code 73):
// hostname length (1), hostname, domain length (1), domain name; UTF-8.
// Names that are not valid UTF-8 keep the capability opaque, so that it
// re-encodes to the octets received.

import { CapCode } from '../constants.js';
import type { CapRow } from './row.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export const fqdnCap: CapRow<'fqdn'> = {
  code: CapCode.FQDN, kind: 'fqdn',
  decode(v) {
    if (v.length < 1) return 'FQDN capability is empty';
    const hl = v[0]!;
    if (1 + hl + 1 > v.length) return `FQDN capability hostname length ${hl} runs past the capability`;
    const dl = v[1 + hl]!;
    if (2 + hl + dl !== v.length) return `FQDN capability domain length ${dl} does not match the capability length ${v.length}`;
    try {
      const hostname = utf8.decode(v.subarray(1, 1 + hl));
      const domain = utf8.decode(v.subarray(2 + hl, 2 + hl + dl));
      return { kind: 'fqdn', hostname, domain };
    } catch {
      return { kind: 'unknown', code: CapCode.FQDN, value: Buffer.from(v) };
    }
  },
  size: (c) => 2 + Buffer.byteLength(c.hostname) + Buffer.byteLength(c.domain),
  write(c, b, o) {
    const hl = Buffer.byteLength(c.hostname);
    const dl = Buffer.byteLength(c.domain);
    if (hl > 255 || dl > 255) throw new RangeError('FQDN hostname and domain are limited to 255 octets each');
    b[o] = hl;
    b.write(c.hostname, o + 1, 'utf8');
    b[o + 1 + hl] = dl;
    b.write(c.domain, o + 2 + hl, 'utf8');
  },
};
