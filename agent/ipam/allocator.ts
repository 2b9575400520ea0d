// The IPAM allocator (Calico's ipam.AutoAssign / ReleaseByHandle, reduced).
// A request for n addresses of a family on a node is served, in order, from
//   1. the node's affine blocks, addresses past their cooldown;
//   2. new blocks the node claims (claim.ts) in its eligible pools
//      (enabled, nodeSelector matching the Node's labels);
//   3. the node's affine blocks, addresses still cooling down;
//   4. unless strictAffinity, other blocks of those pools ("borrowing"),
//      cooled addresses first — the agent advertises these as /32 or /128.
// Each block write is a CAS (retry.ts); an address is taken only by the
// update that wins, so it is never handed out twice. The handle (one per
// container) is raised before the block is written and lists every block
// holding its addresses; an ADD retried for the same handle returns the
// addresses it already holds. Calls for one handle are
// serialised in-process; across processes the CNI runtime does not issue
// concurrent ADD/DEL for one container. By default ADDs for one node are
// also serialised in-process (Calico's CNI takes a host-wide IPAM lock), so
// CAS conflicts arise only between nodes; they stay correct without it. A request that cannot be met in full
// gives back what it took and fails with a message naming pools and reasons.
import type { Datastore } from '../datastore/types.js';
import { attributeOf, freeOrdinals, ordinalsOfHandle, assignOrdinals, type Secondary } from './block.js';
import { claimInPool, releaseBlock } from './claim.js';
import { makeContext, type IpamConfig, type IpamContext } from './config.js';
import { gcPass, type GcOptions, type GcReport, GcMemory } from './gc.js';
import { addressAt, hostPrefix, parseCidr, poolInfo, type Family, type PoolInfo } from './pool.js';
import { IpamError, isNotFound, withCas } from './retry.js';
import { parseNodeSelector } from './selector.js';
import { adjustHandle, getBlock, hostAffinity, listBlocks, releaseInBlock, type Block } from './store.js';
import { contains } from '../net/cidr.js';

/** IPAM object names (agent/datastore/validate.ts): the handle ID is the IPAMHandle's name. */
const HANDLE_ID = /^[A-Za-z0-9]([-A-Za-z0-9_.:]*[A-Za-z0-9])?$/;

export interface AssignRequest {
  readonly handleID: string;
  readonly node: string;
  readonly num4?: number;
  readonly num6?: number;
  readonly attrs?: { readonly namespace?: string; readonly pod?: string; readonly containerID?: string };
  /** Only these pools (names or CIDRs), like Calico CNI's ipv4_pools/ipv6_pools. */
  readonly pools?: readonly string[];
}

export interface AssignedIP {
  readonly address: string;
  readonly family: Family;
  /** "100.64.0.5/32", "2001:db8::5/128". */
  readonly prefix: string;
  /** CIDR of the block it came from. */
  readonly block: string;
  /** Name of the pool holding that block ('' if the pool is gone). */
  readonly pool: string;
  /** The block is not affine to the requesting node. */
  readonly borrowed: boolean;
}

export interface AssignResult { readonly ipv4: AssignedIP[]; readonly ipv6: AssignedIP[] }

export interface NodeBlocks {
  /** Affine blocks: advertised as aggregates, backed by blackhole routes. */
  readonly blocks: readonly { readonly cidr: string; readonly pool: string; readonly disableBGPExport: boolean }[];
  /** Addresses of this node's pods in other nodes' blocks, as /32 or /128. */
  readonly borrowed: readonly string[];
}

export class IpamAllocator {
  readonly ctx: IpamContext;
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly gcMemory = new GcMemory();

  constructor(ds: Datastore, config: IpamConfig = {}) {
    this.ctx = makeContext(ds, config);
  }

  /** Assigns addresses to `handleID` (idempotent: a handle already holding enough keeps exactly those). */
  async autoAssign(req: AssignRequest): Promise<AssignResult> {
    const num4 = req.num4 ?? 0; const num6 = req.num6 ?? 0;
    for (const [n, what] of [[num4, 'num4'], [num6, 'num6']] as const) {
      if (!Number.isInteger(n) || n < 0) throw new IpamError(`autoAssign: ${what} must be an integer ≥ 0, got ${n}`);
    }
    if (req.handleID === '' || req.node === '') throw new IpamError('autoAssign: handleID and node are required');
    if (req.handleID.length > 253 || !HANDLE_ID.test(req.handleID)) {
      throw new IpamError(`autoAssign: handleID ${JSON.stringify(req.handleID)} may hold only letters, digits, '-', '.', '_', ':' (at most 253 characters; it names the IPAMHandle)`);
    }
    const locked = (fn: () => Promise<AssignResult>): Promise<AssignResult> =>
      // handle first, so that calls for one handle run in call order (an ADD then its DEL)
      this.serial(`handle:${req.handleID}`, this.ctx.serializePerNode ? () => this.serial(`node:${req.node}`, fn) : fn);
    return locked(async () => {
      const pools = await this.poolInfos();
      const have = await this.addressesOf(req.handleID, req.node, pools);
      const need: Record<Family, number> = { 4: num4 - have.ipv4.length, 6: num6 - have.ipv6.length };
      if (need[4] <= 0 && need[6] <= 0) return have;
      const got: AssignedIP[] = [];
      try {
        const labels = (await this.ctx.ds.get('Node', req.node))?.metadata.labels ?? {};
        for (const fam of [4, 6] as const) {
          if (need[fam] > 0) await this.assignFamily(fam, need[fam], req, this.eligible(pools, fam, labels, req), got);
        }
      } catch (e) {
        await this.giveBack(req.handleID, got);
        throw e;
      }
      return {
        ipv4: [...have.ipv4, ...got.filter((a) => a.family === 4)],
        ipv6: [...have.ipv6, ...got.filter((a) => a.family === 6)],
      };
    });
  }

  /** Frees every address of `handleID` and deletes the handle; unknown handles succeed. Returns the freed addresses. */
  releaseByHandle(handleID: string): Promise<string[]> {
    return this.serial(`handle:${handleID}`, async () => {
      const freed: string[] = [];
      const h = await this.ctx.ds.get('IPAMHandle', handleID);
      // the handle is written before the blocks, so it lists every block holding its addresses;
      // without a handle (an older writer, a hand edit) every block is searched
      const blocks = h !== undefined ? await this.blocksOf(Object.keys(h.spec.block)) : await listBlocks(this.ctx);
      for (const b of blocks) {
        const ords = ordinalsOfHandle(b.spec, handleID);
        if (ords.length === 0) continue;
        const done = await releaseInBlock(this.ctx, b.spec.cidr, handleID, ords);
        const c = parseCidr(b.spec.cidr);
        freed.push(...done.map((o) => addressAt(c, o)));
      }
      await withCas(`IPAM handle ${handleID}`, this.ctx.retry, async () => {
        const cur = await this.ctx.ds.get('IPAMHandle', handleID);
        if (cur === undefined) return;
        try { await this.ctx.ds.delete('IPAMHandle', handleID, undefined, cur.metadata.resourceVersion); } catch (e) { if (!isNotFound(e)) throw e; }
      });
      return freed;
    });
  }

  /** Addresses a handle holds now (empty for an unknown handle), seen from `node` for the borrowed flag. */
  async addressesOfHandle(handleID: string, node = ''): Promise<AssignResult> {
    return this.addressesOf(handleID, node, await this.poolInfos());
  }

  /** Claims the first free block of pool `poolName` (name or CIDR) for `node`, if the pool is enabled and selects the node; the block CIDR, or undefined when the pool is full. */
  async claimAffinity(node: string, poolName: string): Promise<string | undefined> {
    const pool = (await this.poolInfos()).find((p) => p.name === poolName || p.cidrText === poolName);
    if (pool === undefined) throw new IpamError(`claimAffinity: no IPPool ${JSON.stringify(poolName)}`);
    if (pool.spec.disabled === true) throw new IpamError(`claimAffinity: IPPool ${pool.name} (${pool.cidrText}) is disabled`);
    const labels = (await this.ctx.ds.get('Node', node))?.metadata.labels ?? {};
    if (!parseNodeSelector(pool.spec.nodeSelector)(labels)) {
      throw new IpamError(`claimAffinity: IPPool ${pool.name} (${pool.cidrText}) nodeSelector ${JSON.stringify(pool.spec.nodeSelector)} does not match node ${node}`);
    }
    const taken = new Set((await this.ctx.ds.list('IPAMBlock')).map((b) => b.metadata.name));
    return (await claimInPool(this.ctx, node, pool, taken))?.spec.cidr;
  }

  /** Releases the node's affinity to an empty block and deletes it; false when it is not the node's or not empty. */
  releaseAffinity(node: string, cidr: string): Promise<boolean> {
    return releaseBlock(this.ctx, node, cidr);
  }

  /** What `node` advertises: its affine blocks and the addresses its pods borrowed. */
  async blocksForNode(node: string): Promise<NodeBlocks> {
    const pools = await this.poolInfos();
    const blocks: NodeBlocks['blocks'][number][] = [];
    const borrowed: string[] = [];
    for (const b of await listBlocks(this.ctx)) {
      const c = parseCidr(b.spec.cidr);
      if (b.spec.affinity === hostAffinity(node)) {
        const p = pools.find((x) => contains(x.cidr, c));
        blocks.push({ cidr: b.spec.cidr, pool: p?.name ?? '', disableBGPExport: p?.spec.disableBGPExport === true });
        continue;
      }
      b.spec.allocations.forEach((_, o) => {
        if (attributeOf(b.spec, o)?.secondary?.node === node) borrowed.push(hostPrefix(addressAt(c, o), c.family));
      });
    }
    return { blocks, borrowed };
  }

  /**
   * Garbage collection (call periodically): releases allocations whose pod is
   * not in `livePods` once seen leaked for leakGraceMs, deletes empty blocks
   * without affinity, and releases `node`'s blocks seen empty for emptyBlockGraceMs.
   */
  gc(opts: GcOptions = {}): Promise<GcReport> {
    return gcPass(this.ctx, this.gcMemory, opts);
  }

  // ---- internals -------------------------------------------------------------

  private async serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => { if (this.locks.get(key) === tail) this.locks.delete(key); });
    return run;
  }

  private async poolInfos(): Promise<PoolInfo[]> {
    const pools = await this.ctx.ds.list('IPPool');
    return pools.map(poolInfo).sort((a, b) => a.name.localeCompare(b.name));
  }

  private eligible(pools: PoolInfo[], fam: Family, labels: Readonly<Record<string, string>>, req: AssignRequest): PoolInfo[] {
    const ofFam = pools.filter((p) => p.family === fam && (req.pools === undefined || req.pools.includes(p.name) || req.pools.includes(p.cidrText)));
    const ok = ofFam.filter((p) => p.spec.disabled !== true && parseNodeSelector(p.spec.nodeSelector)(labels));
    if (ok.length === 0) {
      const why = ofFam.length === 0
        ? (req.pools !== undefined ? `none of the requested pools ${req.pools.join(', ')} is an IPv${fam} pool` : `no IPv${fam} pool exists`)
        : `pools ${ofFam.map((p) => `${p.cidrText} (${p.spec.disabled === true ? 'disabled' : `nodeSelector ${JSON.stringify(p.spec.nodeSelector)} does not match`})`).join(', ')}`;
      throw new IpamError(`no IPv${fam} pool usable by node ${req.node}: ${why}`);
    }
    return ok;
  }

  private secondary(req: AssignRequest): Secondary {
    const s: Record<string, string> = { node: req.node };
    for (const k of ['namespace', 'pod', 'containerID'] as const) { const v = req.attrs?.[k]; if (v !== undefined) s[k] = v; }
    return s;
  }

  private toAssigned(b: Block, o: number, node: string, pools: readonly PoolInfo[]): AssignedIP {
    const c = parseCidr(b.spec.cidr);
    const address = addressAt(c, o);
    return {
      address, family: c.family, prefix: hostPrefix(address, c.family), block: b.spec.cidr,
      pool: pools.find((p) => contains(p.cidr, c))?.name ?? '', borrowed: b.spec.affinity !== hostAffinity(node),
    };
  }

  private async blocksOf(cidrs: readonly string[]): Promise<Block[]> {
    const out: Block[] = [];
    for (const c of cidrs) { const b = await getBlock(this.ctx, c); if (b !== undefined && b.spec.deleted !== true) out.push(b); }
    return out;
  }

  /** What the handle holds: only the blocks its IPAMHandle lists are read (none without a handle). */
  private async addressesOf(handleID: string, node: string, pools: readonly PoolInfo[]): Promise<AssignResult> {
    const h = await this.ctx.ds.get('IPAMHandle', handleID);
    const out: AssignedIP[] = [];
    if (h !== undefined) {
      for (const b of await this.blocksOf(Object.keys(h.spec.block))) {
        for (const o of ordinalsOfHandle(b.spec, handleID)) out.push(this.toAssigned(b, o, node, pools));
      }
    }
    return { ipv4: out.filter((a) => a.family === 4), ipv6: out.filter((a) => a.family === 6) };
  }

  /**
   * Takes up to `want` ordinals from one block. The handle is raised first by
   * what the block seems to offer (Calico's order: a crash then leaves a
   * handle that over-counts, never an address no handle knows of), the block
   * is updated by CAS, and the handle lowered by what was not obtained.
   */
  private async takeFrom(block: Block, want: number, req: AssignRequest, allowWarm: boolean, pools: readonly PoolInfo[]): Promise<AssignedIP[]> {
    const cidr = block.spec.cidr;
    const intent = freeOrdinals(block.spec, this.ctx.now(), this.ctx.cooldownMs, allowWarm).slice(0, want).length;
    if (intent === 0) return [];
    await adjustHandle(this.ctx, req.handleID, cidr, intent);
    let res: { b: Block | undefined; ords: number[] };
    try {
      res = await withCas(`IPAM block ${cidr}`, this.ctx.retry, async (attempt) => {
        const b = attempt === 0 ? block : await getBlock(this.ctx, cidr);
        if (b === undefined || b.spec.deleted === true) return { b, ords: [] as number[] };
        const now = this.ctx.now();
        const ords = freeOrdinals(b.spec, now, this.ctx.cooldownMs, allowWarm).slice(0, intent);
        if (ords.length === 0) return { b, ords };
        try {
          const stored = await this.ctx.ds.update({ ...b, spec: assignOrdinals(b.spec, ords, req.handleID, this.secondary(req), now, this.ctx.cooldownMs) });
          return { b: stored, ords };
        } catch (e) {
          if (isNotFound(e)) return { b: undefined, ords: [] as number[] };
          throw e;
        }
      });
    } catch (e) {
      await adjustHandle(this.ctx, req.handleID, cidr, -intent).catch(() => undefined);
      throw e;
    }
    const { b: stored, ords } = res;
    // lowering the handle is bookkeeping: if it fails the handle over-counts, which release and GC tolerate
    if (ords.length < intent) await adjustHandle(this.ctx, req.handleID, cidr, ords.length - intent).catch(() => undefined);
    if (stored === undefined) return [];
    return ords.map((o) => this.toAssigned(stored, o, req.node, pools));
  }

  private async assignFamily(fam: Family, n: number, req: AssignRequest, pools: PoolInfo[], got: AssignedIP[]): Promise<void> {
    let remaining = n;
    const mine = hostAffinity(req.node);
    const inPools = (b: Block): boolean => { const c = parseCidr(b.spec.cidr); return pools.some((p) => contains(p.cidr, c)); };
    const pass = async (pick: (b: Block) => boolean, allowWarm: boolean): Promise<void> => {
      if (remaining <= 0) return;
      const now = this.ctx.now();
      for (const b of await listBlocks(this.ctx)) {
        if (remaining <= 0) return;
        if (!inPools(b) || !pick(b) || freeOrdinals(b.spec, now, this.ctx.cooldownMs, allowWarm).length === 0) continue;
        const taken = await this.takeFrom(b, remaining, req, allowWarm, pools);
        got.push(...taken);
        remaining -= taken.length;
      }
    };
    await pass((b) => b.spec.affinity === mine, false);
    let limited = false;
    while (remaining > 0) {
      const all = await this.ctx.ds.list('IPAMBlock');
      const own = all.filter((b) => b.spec.affinity === mine).length;
      if (this.ctx.maxBlocksPerHost > 0 && own >= this.ctx.maxBlocksPerHost) { limited = true; break; }
      const taken = new Set(all.map((b) => b.metadata.name));
      let claimed: Block | undefined;
      for (const p of pools) if ((claimed = await claimInPool(this.ctx, req.node, p, taken)) !== undefined) break;
      if (claimed === undefined) break;
      const name = claimed.metadata.name;
      await pass((b) => b.metadata.name === name, false);
    }
    await pass((b) => b.spec.affinity === mine, true);
    if (!this.ctx.strictAffinity) {
      const other = (b: Block): boolean => b.spec.affinity !== mine && b.spec.strictAffinity !== true;
      await pass(other, false);
      await pass(other, true);
    }
    if (remaining > 0) throw new IpamError(await this.exhausted(fam, req, pools, limited, n, remaining));
  }

  private async exhausted(fam: Family, req: AssignRequest, pools: PoolInfo[], limited: boolean, n: number, remaining: number): Promise<string> {
    const total = pools.reduce((s, p) => s + p.blocks, 0n);
    const blocks = (await listBlocks(this.ctx)).filter((b) => { const c = parseCidr(b.spec.cidr); return pools.some((p) => contains(p.cidr, c)); });
    const own = blocks.filter((b) => b.spec.affinity === hostAffinity(req.node)).length;
    const where = `no free IPv${fam} address for node ${req.node} in pools ${pools.map((p) => p.cidrText).join(', ')}` +
      (remaining < n ? ` (${n - remaining} of ${n} found)` : '');
    const claim = limited
      ? `the node holds maxBlocksPerHost (${this.ctx.maxBlocksPerHost}) blocks, all full`
      : `all ${total} blocks are claimed, the node's ${own} full`;
    const borrow = this.ctx.strictAffinity
      ? 'borrowing is disabled (strictAffinity)'
      : `no other block has a free address to borrow (${blocks.length} blocks checked)`;
    return `${where}: ${claim} and ${borrow}`;
  }

  /** Undoes a partly met request. */
  private async giveBack(handleID: string, got: readonly AssignedIP[]): Promise<void> {
    const byBlock = new Map<string, number[]>();
    for (const a of got) {
      const o = addressOrdinal(a);
      byBlock.set(a.block, [...(byBlock.get(a.block) ?? []), o]);
    }
    for (const [cidr, ords] of byBlock) {
      const done = await releaseInBlock(this.ctx, cidr, handleID, ords).catch(() => []);
      if (done.length > 0) await adjustHandle(this.ctx, handleID, cidr, -done.length).catch(() => undefined);
    }
  }
}

function addressOrdinal(a: AssignedIP): number {
  const c = parseCidr(a.block);
  return Number(parseCidr(a.address).bits - c.bits);
}

