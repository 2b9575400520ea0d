// IPAM settings per allocator instance (Calico's IPAMConfig plus our
// additions) and the shared context the allocator's parts work with.
//
// Defaults and why:
//  - strictAffinity false: like Calico, a node may borrow single addresses
//    from other nodes' blocks once it cannot claim a block of its own.
//  - cooldownMs 60 s: a released address is not handed to a new pod for a
//    minute unless nothing else is free, so that peers' conntrack entries,
//    endpoint caches, policy ipsets and routes (Felix's 10 s grace, 90 s
//    resync) have let go of the old pod before its address means someone else.
//  - emptyBlockGraceMs 5 min: a node's block must be seen empty by gc runs
//    spanning this long before its affinity is released and it is deleted
//    (avoids churn when a node's last pod is replaced).
//  - leakGraceMs 15 min: Calico's leak grace period; an allocation whose pod
//    is gone must be seen leaked by gc runs spanning this long before release
//    (the caller's pod list may lag behind CNI ADDs).
//  - emptyHandleGraceMs 15 min: a handle holding no address (an ADD that died
//    between raising its handle and writing the block) is deleted once seen
//    unchanged for this long; an ADD in flight is never that slow.
//  - serializePerNode true: one node's ADDs run one at a time in-process
//    (Calico's host-wide IPAM lock): no self-inflicted CAS conflicts.
//  - CAS: up to 64 attempts with full-jitter back-off from 1 ms to 64 ms.
import type { Datastore } from '../datastore/types.js';
import { defaultSleep, type RetryPolicy } from './retry.js';

export interface IpamConfig {
  readonly strictAffinity?: boolean;
  readonly cooldownMs?: number;
  readonly emptyBlockGraceMs?: number;
  readonly leakGraceMs?: number;
  readonly emptyHandleGraceMs?: number;
  /** Most blocks one node may claim; 0 = no limit (Calico's maxBlocksPerHost). */
  readonly maxBlocksPerHost?: number;
  /** Run one node's ADDs one at a time in this process (default true, like Calico's host-wide IPAM lock). */
  readonly serializePerNode?: boolean;
  readonly casAttempts?: number;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** Epoch ms; injectable for tests. */
  readonly clock?: () => number;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface IpamContext {
  readonly ds: Datastore;
  readonly strictAffinity: boolean;
  readonly cooldownMs: number;
  readonly emptyBlockGraceMs: number;
  readonly leakGraceMs: number;
  readonly emptyHandleGraceMs: number;
  readonly maxBlocksPerHost: number;
  readonly serializePerNode: boolean;
  readonly now: () => number;
  readonly retry: RetryPolicy;
}

export function makeContext(ds: Datastore, c: IpamConfig = {}): IpamContext {
  const nonNeg = (v: number | undefined, dflt: number, what: string): number => {
    const x = v ?? dflt;
    if (!Number.isFinite(x) || x < 0) throw new Error(`IPAM config: ${what} must be a number ≥ 0, got ${v}`);
    return x;
  };
  const attempts = nonNeg(c.casAttempts, 64, 'casAttempts');
  if (attempts < 1) throw new Error('IPAM config: casAttempts must be at least 1');
  return {
    ds,
    strictAffinity: c.strictAffinity ?? false,
    cooldownMs: nonNeg(c.cooldownMs, 60_000, 'cooldownMs'),
    emptyBlockGraceMs: nonNeg(c.emptyBlockGraceMs, 300_000, 'emptyBlockGraceMs'),
    leakGraceMs: nonNeg(c.leakGraceMs, 900_000, 'leakGraceMs'),
    emptyHandleGraceMs: nonNeg(c.emptyHandleGraceMs, 900_000, 'emptyHandleGraceMs'),
    maxBlocksPerHost: nonNeg(c.maxBlocksPerHost, 0, 'maxBlocksPerHost'),
    serializePerNode: c.serializePerNode ?? true,
    now: c.clock ?? Date.now,
    retry: {
      attempts,
      baseMs: nonNeg(c.backoffBaseMs, 1, 'backoffBaseMs'),
      maxMs: nonNeg(c.backoffMaxMs, 64, 'backoffMaxMs'),
      random: c.random ?? Math.random,
      sleep: c.sleep ?? defaultSleep,
    },
  };
}
