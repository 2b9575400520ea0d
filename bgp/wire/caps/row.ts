// One row of the capability registry: code, kind and value codec. Decoders
// return a reason string when the value is malformed (the OPEN decoder turns
// it into an OPEN Message Error), or an opaque capability when the value is
// well-formed but cannot be represented exactly (it then re-encodes as received).

import type { CapabilityKind, CapabilityOf } from './types.js';

/** A capability value we recognise but cannot represent faithfully is kept opaque. */
export type OpaqueCap = CapabilityOf<'unknown'>;

export interface CapRow<K extends CapabilityKind = CapabilityKind> {
  readonly code: number;
  readonly kind: K;
  decode(value: Buffer): CapabilityOf<K> | OpaqueCap | string;
  size(c: CapabilityOf<K>): number;
  write(c: CapabilityOf<K>, buf: Buffer, off: number): void;
}

/** A capability with no value (its presence is the whole message). */
export function emptyCap<K extends 'route-refresh' | 'extended-message' | 'enhanced-route-refresh'>(code: number, kind: K): CapRow<K> {
  return {
    code, kind,
    decode: (v) => (v.length === 0 ? ({ kind } as CapabilityOf<K>) : `${kind} capability has length ${v.length}, expected 0`),
    size: () => 0,
    write: () => undefined,
  };
}

/** A capability that is a list of fixed-size tuples. */
export function tupleCap<K extends CapabilityKind, T>(
  code: number, kind: K, tupleSize: number,
  read: (b: Buffer, o: number) => T, write: (t: T, b: Buffer, o: number) => void,
  wrap: (items: T[]) => CapabilityOf<K>, unwrap: (c: CapabilityOf<K>) => readonly T[],
): CapRow<K> {
  return {
    code, kind,
    decode(v) {
      if (v.length % tupleSize !== 0) return `${kind} capability length ${v.length} is not a multiple of ${tupleSize}`;
      const items: T[] = [];
      for (let o = 0; o < v.length; o += tupleSize) items.push(read(v, o));
      return wrap(items);
    },
    size: (c) => unwrap(c).length * tupleSize,
    write(c, b, o) {
      for (const t of unwrap(c)) {
        write(t, b, o);
        o += tupleSize;
      }
    },
  };
}
