// Framer: turns a TCP byte stream into whole BGP messages (RFC 4271 §4.1).
// push(chunk) returns the messages completed by this chunk. A message lying
// entirely inside one chunk is returned as a zero-copy view of that chunk;
// only a message split across chunks is copied, into one buffer of exactly
// its length, allocated once its header is known. Marker and length are
// validated as soon as the 19 header octets are present, before any body is
// buffered, so memory stays bounded by one maximum-size message per session.
// After an error the framer is closed and returns the same error.

import { HEADER_LENGTH } from './constants.js';
import type { WireError } from './errors.js';
import { checkHeader } from './header.js';

export interface FrameResult {
  readonly messages: Buffer[];
  readonly error?: WireError;
}

export class Framer {
  private partial: Buffer | undefined; // the message being assembled (exact size), or header scratch
  private have = 0; // octets of `partial` filled
  private error: WireError | undefined;
  private readonly header = Buffer.alloc(HEADER_LENGTH);

  constructor(private maxLength: number = 4096) {}

  /** Raise the limit after an extended-message negotiation (RFC 8654). */
  setMaxLength(maxLength: number): void {
    this.maxLength = maxLength;
  }

  /** Octets buffered waiting for the rest of a message. */
  get buffered(): number {
    return this.have;
  }

  push(chunk: Buffer): FrameResult {
    if (this.error) return { messages: [], error: this.error };
    const messages: Buffer[] = [];
    let o = 0;
    if (this.have > 0) {
      o = this.continuePartial(chunk, messages);
      if (this.error) return { messages, error: this.error };
    }
    while (o < chunk.length) {
      const left = chunk.length - o;
      if (left < HEADER_LENGTH) {
        chunk.copy(this.header, 0, o);
        this.partial = undefined;
        this.have = left;
        break;
      }
      const bad = checkHeader(chunk, o, this.maxLength);
      if (bad) return this.fail(messages, bad);
      const len = chunk.readUInt16BE(o + 16);
      if (left >= len) {
        messages.push(chunk.subarray(o, o + len));
        o += len;
      } else {
        this.partial = Buffer.allocUnsafe(len);
        chunk.copy(this.partial, 0, o);
        this.have = left;
        break;
      }
    }
    return { messages };
  }

  private continuePartial(chunk: Buffer, messages: Buffer[]): number {
    let o = 0;
    if (!this.partial) {
      // still completing a header in the scratch buffer
      const need = HEADER_LENGTH - this.have;
      const take = Math.min(need, chunk.length);
      chunk.copy(this.header, this.have, 0, take);
      this.have += take;
      o = take;
      if (this.have < HEADER_LENGTH) return o;
      const bad = checkHeader(this.header, 0, this.maxLength);
      if (bad) {
        this.fail(messages, bad);
        return o;
      }
      const len = this.header.readUInt16BE(16);
      this.partial = Buffer.allocUnsafe(len);
      this.header.copy(this.partial, 0);
    }
    const p = this.partial;
    const take = Math.min(p.length - this.have, chunk.length - o);
    chunk.copy(p, this.have, o, o + take);
    this.have += take;
    o += take;
    if (this.have === p.length) {
      messages.push(p);
      this.partial = undefined;
      this.have = 0;
    }
    return o;
  }

  private fail(messages: Buffer[], error: WireError): FrameResult {
    this.error = error;
    this.partial = undefined;
    this.have = 0;
    return { messages, error };
  }
}
