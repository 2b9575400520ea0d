// Reconciles desired policy state (render.ts) with the kernel, in Felix's
// order: (1) ipsets created and updated with `ipset restore`, (2) chains
// written per family with `iptables-restore --noflush` / `ip6tables-restore
// --noflush` (one atomic transaction per table, only chains whose hashes
// differ), (3) once in sync: stale `cali-` chains deleted, then (4) our
// ipsets no longer used destroyed. The kernel state is read back (`ipset
// save`, `iptables-save`) on the first apply, after any failure and on
// resync(); between those the applier trusts what it wrote (Calico does the
// same), so one policy change costs one small restore per family.
// Deletions wait for markInSync(): a restarted agent with a partial view
// never removes what it has not yet recomputed. Fail closed: if a write
// transaction is refused, the endpoint chains it would have changed are
// written as DROP-only chains instead, and the error is thrown.
import type { DesiredState } from './desired.js';
import { FAMILIES, TABLES } from './desired.js';
import { ExecError, must, type Exec } from './exec.js';
import { parseIpsetSave, parseIptablesSave, type ActualState } from './kernel-state.js';
import type { Family } from './model.js';
import { chainDeletes, chainWrites, hookHash, ipsetDestroy, ipsetUpdate } from './scripts.js';

export interface IptablesCommands { save: string; restore: string }

export interface ApplierOptions {
  exec: Exec;
  /** per family; default iptables-save/iptables-restore and ip6tables-save/ip6tables-restore */
  commands?: Record<Family, IptablesCommands>;
  log?: (msg: string) => void;
}

export interface ApplyStats {
  readBack: boolean;
  setsCreated: number;
  membersAdded: number;
  membersRemoved: number;
  chainsWritten: number;
  hooksFixed: number;
  chainsDeleted: number;
  setsDestroyed: number;
  ms: number;
}

const DEFAULT_COMMANDS: Record<Family, IptablesCommands> = {
  4: { save: 'iptables-save', restore: 'iptables-restore' },
  6: { save: 'ip6tables-save', restore: 'ip6tables-restore' },
};

export class PolicyApplier {
  private actual: ActualState | undefined;
  private synced = false;
  private readonly exec: Exec;
  private readonly commands: Record<Family, IptablesCommands>;
  private readonly log: (msg: string) => void;

  constructor(opts: ApplierOptions) {
    this.exec = opts.exec;
    this.commands = opts.commands ?? DEFAULT_COMMANDS;
    this.log = opts.log ?? (() => {});
  }

  /** The datastore is in sync: from now on stale chains and sets are deleted. */
  markInSync(): void { this.synced = true; }
  get inSync(): boolean { return this.synced; }

  /** Forgets the cached kernel state: the next apply reads it back. */
  invalidate(): void { this.actual = undefined; }

  /** Reads the kernel state back and applies (periodic resync). */
  resync(desired: DesiredState): Promise<ApplyStats> {
    this.invalidate();
    return this.apply(desired);
  }

  async readKernel(): Promise<ActualState> {
    const [setsText, ...saves] = await Promise.all([
      must(this.exec, ['ipset', 'save']),
      ...FAMILIES.flatMap((f) => TABLES.map((t) => must(this.exec, [this.commands[f].save, '-t', t]))),
    ]);
    const chains = { 4: {}, 6: {} } as ActualState['chains'];
    let i = 0;
    for (const f of FAMILIES) for (const t of TABLES) chains[f][t] = parseIptablesSave(saves[i++] ?? '', t);
    return { chains, sets: parseIpsetSave(setsText ?? '') };
  }

  async apply(desired: DesiredState): Promise<ApplyStats> {
    const t0 = performance.now();
    const readBack = this.actual === undefined;
    const actual = this.actual ?? await this.readKernel();
    this.actual = undefined; // until this apply completes, the cache is not trusted
    const stats: ApplyStats = { readBack, setsCreated: 0, membersAdded: 0, membersRemoved: 0, chainsWritten: 0, hooksFixed: 0, chainsDeleted: 0, setsDestroyed: 0, ms: 0 };

    // (1) ipsets before the chains that use them
    const sets = ipsetUpdate(desired.sets, actual.sets);
    if (sets.conflicts.length) throw new Error(`cannot program ipsets: ${sets.conflicts.join('; ')}`);
    if (sets.lines.length) await must(this.exec, ['ipset', 'restore'], `${sets.lines.join('\n')}\n`);
    for (const s of desired.sets.values()) actual.sets.set(s.name, { name: s.name, family: s.family, type: s.type, members: new Set(s.members) });
    Object.assign(stats, { setsCreated: sets.created.length, membersAdded: sets.added, membersRemoved: sets.removed });

    // (2) chains, both families at once
    await Promise.all(FAMILIES.map(async (f) => {
      const plans = TABLES.map((t) => ({ t, plan: chainWrites(t, desired.chains[f][t], actual.chains[f][t], desired.hooks) }));
      const text = plans.map((p) => p.plan.text).join('');
      if (!text) return;
      try {
        await must(this.exec, [this.commands[f].restore, '--noflush'], text);
      } catch (e) {
        await this.failClosed(f, plans.flatMap((p) => p.plan.written));
        throw e;
      }
      for (const { t, plan } of plans) {
        for (const name of plan.written) actual.chains[f][t].set(name, { hashes: [...(desired.chains[f][t].get(name)?.hashes ?? [])] });
        stats.chainsWritten += plan.written.length;
        stats.hooksFixed += plan.hooksFixed;
        for (const h of desired.hooks.filter((x) => x.table === t)) {
          const base = actual.chains[f][t].get(h.base)?.hashes ?? [];
          if (base.filter((x) => x !== undefined).length === 1 && base[0] === hookHash(h)) continue;
          actual.chains[f][t].set(h.base, { hashes: [hookHash(h), ...base.filter((x) => x === undefined)] });
        }
      }
    }));

    // (3) + (4): deletions only once in sync, chains before the sets they used
    if (this.synced) {
      await Promise.all(FAMILIES.map(async (f) => {
        const plans = TABLES.map((t) => ({ t, plan: chainDeletes(t, desired.chains[f][t], actual.chains[f][t]) }));
        const text = plans.map((p) => p.plan.text).join('');
        if (!text) return;
        await must(this.exec, [this.commands[f].restore, '--noflush'], text);
        for (const { t, plan } of plans) for (const n of plan.deleted) actual.chains[f][t].delete(n);
        stats.chainsDeleted += plans.reduce((n, p) => n + p.plan.deleted.length, 0);
      }));
      const stale = ipsetDestroy(desired.sets, actual.sets);
      if (stale.length) {
        await must(this.exec, ['ipset', 'restore'], `${stale.map((n) => `destroy ${n}`).join('\n')}\n`);
        for (const n of stale) actual.sets.delete(n);
        stats.setsDestroyed = stale.length;
      }
    }
    this.actual = actual;
    stats.ms = performance.now() - t0;
    if (stats.chainsWritten || stats.chainsDeleted || stats.setsCreated || stats.setsDestroyed) {
      this.log(`policy apply: ${JSON.stringify(stats)}`);
    }
    return stats;
  }

  /** After a refused transaction: the endpoint chains it would have changed become DROP-only (plus dispatch). */
  private async failClosed(f: Family, written: string[]): Promise<void> {
    const endpointChains = new Set(written.filter((n) => /^cali-[tf]w-/.test(n)));
    const lines: string[] = [];
    for (const name of endpointChains) lines.push(`:${name} - [0:0]`, `-A ${name} -m comment --comment "cali:fail-closed" -j DROP`);
    if (lines.length === 0) return;
    const text = `*filter\n${lines.join('\n')}\nCOMMIT\n`;
    const r = await this.exec([this.commands[f].restore, '--noflush'], text);
    this.log(r.code === 0
      ? `policy: IPv${f} write refused; ${endpointChains.size} endpoint chains set to DROP (fail closed)`
      : `policy: IPv${f} fail-closed write also refused: ${new ExecError([this.commands[f].restore], r).message}`);
  }
}
