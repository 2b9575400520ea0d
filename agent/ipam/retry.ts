// Compare-and-swap with retry: an IPAM write is read → modify → update with
// the resourceVersion that was read. When another writer got there first the
// datastore answers Conflict; the whole read-modify-write is run again after a
// jittered exponential back-off ("full jitter": a uniform wait in
// [0, min(max, base·2^attempt)]) so that nodes racing for the same block
// spread out instead of colliding in step. Attempts are bounded; running out
// is reported as a clear IpamError, never as a silent partial result.
import { DatastoreError } from '../datastore/types.js';

export class IpamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IpamError';
  }
}

export interface RetryPolicy {
  readonly attempts: number;
  readonly baseMs: number;
  readonly maxMs: number;
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export const defaultSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => { if (ms <= 0) setImmediate(resolve); else setTimeout(resolve, ms); });

export const isConflict = (e: unknown): boolean => e instanceof DatastoreError && e.reason === 'Conflict';
export const isAlreadyExists = (e: unknown): boolean => e instanceof DatastoreError && e.reason === 'AlreadyExists';
export const isNotFound = (e: unknown): boolean => e instanceof DatastoreError && e.reason === 'NotFound';

/**
 * Runs `op` until it succeeds. Conflict (and AlreadyExists: two writers
 * creating the same resource) means "re-read and try again"; any other error
 * is passed through at once.
 */
export async function withCas<T>(what: string, policy: RetryPolicy, op: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await op(attempt);
    } catch (e) {
      if (!isConflict(e) && !isAlreadyExists(e)) throw e;
      if (attempt + 1 >= policy.attempts) {
        throw new IpamError(`${what}: gave up after ${policy.attempts} attempts, each lost to a concurrent writer (last: ${(e as Error).message})`);
      }
      await policy.sleep(policy.random() * Math.min(policy.maxMs, policy.baseMs * 2 ** attempt));
    }
  }
}
