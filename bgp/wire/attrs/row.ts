// The shape of one row of the attribute registry (ARCHITECTURE.md rule 3):
// type code, expected flags, the RFC 7606 action when the attribute is
// malformed, and its value codec. Adding an attribute is one file exporting
// one AttrRow and one line in registry.ts.

import { readIpv4, writeIpv4 } from '../address.js';
import type { ErrorAction } from '../errors.js';
import type { PathAttributes } from './types.js';

export interface AttrContext {
  /** Both sides announced the 4-octet AS capability (RFC 6793). */
  readonly as4: boolean;
}

/** Why a value is malformed: the UPDATE Message Error subcode and a reason. */
export class AttrProblem {
  constructor(readonly subcode: number, readonly reason: string) {}
}

export type AttrKey = Exclude<keyof PathAttributes, 'unknown'>;

export interface AttrRow<K extends AttrKey = AttrKey> {
  readonly type: number;
  readonly name: string;
  readonly optional: boolean;
  readonly transitive: boolean;
  /** RFC 7606 §7 action when malformed (flags, length or value). */
  readonly onError: ErrorAction;
  /** Only AS_PATH and ATOMIC_AGGREGATE may have length zero (RFC 7606 §5). */
  readonly key: K;
  decode(value: Buffer, ctx: AttrContext): NonNullable<PathAttributes[K]> | AttrProblem;
  size(v: NonNullable<PathAttributes[K]>, ctx: AttrContext): number;
  write(v: NonNullable<PathAttributes[K]>, buf: Buffer, off: number, ctx: AttrContext): void;
}

export const LENGTH_ERROR = 5;

export function lengthProblem(name: string, got: number, want: string): AttrProblem {
  return new AttrProblem(LENGTH_ERROR, `${name} has length ${got}, expected ${want}`);
}

/** A row for an attribute that is one 32-bit number. */
export function u32Row<K extends AttrKey>(
  type: number, name: string, key: K, optional: boolean, transitive: boolean,
  decodeValue: (buf: Buffer) => NonNullable<PathAttributes[K]>,
  writeValue: (v: NonNullable<PathAttributes[K]>, buf: Buffer, off: number) => void,
): AttrRow<K> {
  return {
    type, name, key, optional, transitive, onError: 'treat-as-withdraw',
    decode: (value) => (value.length === 4 ? decodeValue(value) : lengthProblem(name, value.length, '4')),
    size: () => 4,
    write: (v, buf, off) => writeValue(v, buf, off),
  };
}

/** A row for an attribute that is a non-empty list of fixed-size items. */
export function listRow<K extends AttrKey, T>(
  type: number, name: string, key: K, optional: boolean, transitive: boolean, itemSize: number,
  readItem: (buf: Buffer, off: number) => T,
  writeItem: (item: T, buf: Buffer, off: number) => void,
): AttrRow<K> {
  return {
    type, name, key, optional, transitive, onError: 'treat-as-withdraw',
    decode: (value) => {
      if (value.length === 0 || value.length % itemSize !== 0) {
        return lengthProblem(name, value.length, `a non-zero multiple of ${itemSize}`);
      }
      const out: T[] = new Array<T>(value.length / itemSize);
      for (let i = 0, o = 0; o < value.length; i++, o += itemSize) out[i] = readItem(value, o);
      return out as unknown as NonNullable<PathAttributes[K]>;
    },
    size: (v) => (v as unknown as T[]).length * itemSize,
    write: (v, buf, off) => {
      for (const item of v as unknown as T[]) {
        writeItem(item, buf, off);
        off += itemSize;
      }
    },
  };
}

/** A row for an attribute that is one IPv4 address (NEXT_HOP, ORIGINATOR_ID). */
export function ipv4Row<K extends 'nextHop' | 'originatorId'>(
  type: number, name: string, key: K, optional: boolean, transitive: boolean,
): AttrRow<K> {
  return {
    type, name, key, optional, transitive, onError: 'treat-as-withdraw',
    decode: (value) => (value.length === 4 ? readIpv4(value, 0) : lengthProblem(name, value.length, '4')),
    size: () => 4,
    write: (v, buf, off) => writeIpv4(v as string, buf, off),
  };
}
