// Adj-RIB-In (accepted paths, pre/post-policy counters, ADD-PATH) and
// Adj-RIB-Out (per-prefix coalescing, no-op changes dropped, grouping for the
// wire packer, drain limits, sent state).

import { describe, expect, it } from 'vitest';
import { decodeMessage, packAnnouncements, packWithdrawals, Prefix, wireOptions, type PathAttributes, type UpdateMessage } from '../wire/index.js';
import { AdjRibIn } from './adj-rib-in.js';
import { AdjRibOut, type OutRoute } from './adj-rib-out.js';
import { attrs, pathOf, peer } from './fixtures.js';

const pfx = (s: string, pathId = 0) => Prefix.parse(s, pathId);

describe('AdjRibIn', () => {
  it('set returns the previous path, delete the removed one; ADD-PATH ids are separate', () => {
    const rib = new AdjRibIn();
    const a = pathOf('100.64.0.0/24', attrs(), peer(1));
    const a2 = pathOf('100.64.0.0/24', attrs({ med: 1 }), peer(1));
    const x = pathOf('100.64.0.0/24', attrs(), peer(1), { pathId: 5 });
    expect(rib.set(a)).toBeUndefined();
    expect(rib.set(a2)).toBe(a);
    expect(rib.set(x)).toBeUndefined();
    expect(rib.size).toBe(2);
    expect(rib.get(pfx('100.64.0.0/24'))).toBe(a2);
    expect(rib.get(pfx('100.64.0.0/24', 5))).toBe(x);
    expect(rib.get(pfx('100.64.0.0/24', 6))).toBeUndefined();
    expect(rib.delete(pfx('100.64.0.0/24'))).toBe(a2);
    expect(rib.delete(pfx('100.64.0.0/24'))).toBeUndefined();
    expect([...rib.values()]).toEqual([x]);
    expect(rib.clear()).toEqual([x]);
    expect(rib.size).toBe(0);
  });

  it('counts received (pre-policy), accepted and rejected prefixes', () => {
    const rib = new AdjRibIn();
    const a = pathOf('100.64.0.0/24', attrs(), peer(1));
    rib.set(a);
    rib.set(pathOf('100.64.1.0/24', attrs(), peer(1)));
    expect(rib.reject(pfx('100.64.2.0/24'))).toBeUndefined();
    expect(rib.counters).toEqual({ received: 3, accepted: 2, rejected: 1 });
    expect(rib.reject(pfx('100.64.0.0/24'))).toBe(a); // policy now rejects it
    expect(rib.counters).toEqual({ received: 3, accepted: 1, rejected: 2 });
    rib.set(pathOf('100.64.2.0/24', attrs(), peer(1))); // now accepted
    rib.delete(pfx('100.64.0.0/24')); // withdrawn
    expect(rib.counters).toEqual({ received: 2, accepted: 2, rejected: 0 });
    expect([...rib.prefixes()].map(String).sort()).toEqual(['100.64.1.0/24', '100.64.2.0/24']);
  });
});

const X = attrs({ nextHop: '198.18.0.1' });
const Y = attrs({ nextHop: '198.18.0.1', med: 7 });
const route = (p: string, a: PathAttributes = X, nextHop: readonly string[] = ['198.18.0.1']): OutRoute =>
  ({ prefix: pfx(p), family: p.includes(':') ? 'ipv6-unicast' : 'ipv4-unicast', attrs: a, nextHop });

function sentOnce(out: AdjRibOut, r: OutRoute): void {
  out.announce(r);
  out.drain(Infinity);
}

describe('AdjRibOut coalescing', () => {
  it('announce then withdraw before drain: nothing if never sent', () => {
    const out = new AdjRibOut();
    out.announce(route('100.64.0.0/24'));
    out.withdraw(pfx('100.64.0.0/24'), 'ipv4-unicast');
    expect(out.pending).toBe(0);
    expect(out.drain(10)).toEqual({ withdrawals: [], announcements: [] });
  });

  it('announce then withdraw before drain: a withdrawal if it was sent', () => {
    const out = new AdjRibOut();
    sentOnce(out, route('100.64.0.0/24'));
    out.announce(route('100.64.0.0/24', Y));
    out.withdraw(pfx('100.64.0.0/24'), 'ipv4-unicast');
    expect(out.pending).toBe(1);
    expect(out.queued(pfx('100.64.0.0/24'))).toBe('withdraw');
    const d = out.drain(10);
    expect(d.announcements).toEqual([]);
    expect(d.withdrawals).toEqual([{ family: 'ipv4-unicast', prefixes: [pfx('100.64.0.0/24')] }]);
    expect(out.size).toBe(0);
    expect(out.sent(pfx('100.64.0.0/24'))).toBeUndefined();
  });

  it('withdrawing something never sent is dropped', () => {
    const out = new AdjRibOut();
    out.withdraw(pfx('100.64.0.0/24'), 'ipv4-unicast');
    expect(out.pending).toBe(0);
  });

  it('announce twice: the latest is sent', () => {
    const out = new AdjRibOut();
    out.announce(route('100.64.0.0/24', X));
    out.announce(route('100.64.0.0/24', Y));
    expect(out.pending).toBe(1);
    const d = out.drain(10);
    expect(d.announcements).toHaveLength(1);
    expect(d.announcements[0]!.attrs).toBe(Y);
    expect(out.sent(pfx('100.64.0.0/24'))).toEqual(route('100.64.0.0/24', Y));
  });

  it('re-announcing what was sent is dropped, even with an equal next hop array', () => {
    const out = new AdjRibOut();
    sentOnce(out, route('100.64.0.0/24'));
    out.announce(route('100.64.0.0/24', X, ['198.18.0.1']));
    expect(out.pending).toBe(0);
    out.announce(route('100.64.0.0/24', Y)); // a change, then back: nothing to send
    out.announce(route('100.64.0.0/24', X));
    expect(out.pending).toBe(0);
    out.announce(route('100.64.0.0/24', X, ['198.18.0.2'])); // another next hop is a change
    expect(out.pending).toBe(1);
  });

  it('ADD-PATH: path IDs are separate routes', () => {
    const out = new AdjRibOut();
    out.announce({ ...route('100.64.0.0/24'), prefix: pfx('100.64.0.0/24', 1) });
    out.announce({ ...route('100.64.0.0/24'), prefix: pfx('100.64.0.0/24', 2) });
    out.drain(10);
    expect(out.size).toBe(2);
    out.withdraw(pfx('100.64.0.0/24', 1), 'ipv4-unicast');
    expect(out.drain(10).withdrawals[0]!.prefixes.map((p) => p.pathId)).toEqual([1]);
    expect(out.sent(pfx('100.64.0.0/24', 2))).toBeDefined();
  });

  it('clear forgets sent and queued routes (session down)', () => {
    const out = new AdjRibOut();
    sentOnce(out, route('100.64.0.0/24'));
    out.announce(route('100.64.1.0/24'));
    out.clear();
    expect([out.size, out.pending, out.groupCount]).toEqual([0, 0, 0]);
    out.withdraw(pfx('100.64.0.0/24'), 'ipv4-unicast');
    expect(out.pending).toBe(0);
  });
});

describe('AdjRibOut drain', () => {
  it('groups withdrawals per family and announcements per (family, attrs, next hop)', () => {
    const out = new AdjRibOut();
    sentOnce(out, route('100.64.9.0/24'));
    sentOnce(out, route('2001:db8:9::/48', X, ['2001:db8::1']));
    for (const p of ['100.64.0.0/24', '100.64.1.0/24', '100.64.2.0/24']) out.announce(route(p, X));
    for (const p of ['100.64.3.0/24', '100.64.4.0/25']) out.announce(route(p, Y));
    out.announce(route('100.64.5.0/24', X, ['198.18.0.2']));
    out.announce(route('2001:db8::/48', X, ['2001:db8::1', 'fe80::1']));
    out.withdraw(pfx('100.64.9.0/24'), 'ipv4-unicast');
    out.withdraw(pfx('2001:db8:9::/48'), 'ipv6-unicast');
    const d = out.drain(100);
    const key = (a: { family: string; attrs: PathAttributes; nextHop: readonly string[]; prefixes: Prefix[] }) =>
      [a.family, a.attrs === X ? 'X' : 'Y', a.nextHop.join(' '), a.prefixes.map(String).sort().join(' ')].join(' | ');
    expect(d.announcements.map(key).sort()).toEqual([
      'ipv4-unicast | X | 198.18.0.1 | 100.64.0.0/24 100.64.1.0/24 100.64.2.0/24',
      'ipv4-unicast | X | 198.18.0.2 | 100.64.5.0/24',
      'ipv4-unicast | Y | 198.18.0.1 | 100.64.3.0/24 100.64.4.0/25',
      'ipv6-unicast | X | 2001:db8::1 fe80::1 | 2001:db8::/48',
    ]);
    expect(d.withdrawals.map((w) => `${w.family} ${w.prefixes.join(' ')}`).sort()).toEqual(['ipv4-unicast 100.64.9.0/24', 'ipv6-unicast 2001:db8:9::/48']);
    expect(out.size).toBe(7);
    expect(out.groupCount).toBe(4);
    expect(out.pending).toBe(0);
  });

  it('takes at most max changes; the rest stays queued', () => {
    const out = new AdjRibOut();
    for (let i = 0; i < 10; i++) out.announce(route(`100.64.${i}.0/24`));
    const first = out.drain(4);
    expect(first.announcements[0]!.prefixes).toHaveLength(4);
    expect([out.pending, out.size]).toEqual([6, 4]);
    const rest = out.drain(100);
    expect(rest.announcements[0]!.prefixes).toHaveLength(6);
    const all = [...first.announcements[0]!.prefixes, ...rest.announcements[0]!.prefixes].map(String).sort();
    expect(all).toEqual(Array.from({ length: 10 }, (_, i) => `100.64.${i}.0/24`).sort());
    expect(out.drain(0)).toEqual({ withdrawals: [], announcements: [] });
  });

  it('takes the oldest changes first; a replaced change keeps its place', () => {
    const out = new AdjRibOut();
    const order = ['2001:db8::/48', '100.64.0.0/24', '100.64.0.1/32', '100.64.1.0/24'];
    for (const p of order) out.announce(route(p, X, p.includes(':') ? ['2001:db8::1'] : ['198.18.0.1']));
    out.announce(route('2001:db8::/48', Y, ['2001:db8::1'])); // replaces the oldest
    const first = out.drain(2);
    expect(first.announcements.flatMap((a) => a.prefixes.map(String))).toEqual(['2001:db8::/48', '100.64.0.0/24']);
    expect(first.announcements[0]!.attrs).toBe(Y);
    expect(out.drain(1).announcements[0]!.prefixes.map(String)).toEqual(['100.64.0.1/32']);
  });

  it('releases what nothing uses any more', () => {
    const out = new AdjRibOut();
    sentOnce(out, route('100.64.0.0/24', X));
    sentOnce(out, route('100.64.0.0/24', Y));
    expect(out.groupCount).toBe(1);
    out.withdraw(pfx('100.64.0.0/24'), 'ipv4-unicast');
    out.drain(10);
    expect(out.groupCount).toBe(0);
  });

  it('batches are ready for the wire packer', () => {
    const out = new AdjRibOut();
    const n = 2000;
    for (let i = 0; i < n; i++) out.announce({ prefix: Prefix.v4(0x64400000 + i, 32), family: 'ipv4-unicast', attrs: X, nextHop: ['198.18.0.1'] });
    out.announce(route('2001:db8::/48', X, ['2001:db8::1']));
    const opts = wireOptions({ as4: true });
    const d = out.drain(Infinity);
    const msgs = d.announcements.flatMap((a) =>
      packAnnouncements(a.family, a.attrs, a.prefixes, opts, a.family === 'ipv4-unicast' ? undefined : a.nextHop));
    const seen: string[] = [];
    for (const m of msgs) {
      const r = decodeMessage(m, opts);
      if (!r.ok) throw new Error(r.error.reason);
      const u = r.message as UpdateMessage;
      seen.push(...u.nlri.map(String), ...(u.mpReach?.nlri ?? []).map(String));
    }
    expect(seen).toHaveLength(n + 1);
    for (let i = 0; i < n; i++) out.withdraw(Prefix.v4(0x64400000 + i, 32), 'ipv4-unicast');
    const w = out.drain(Infinity).withdrawals;
    expect(w.flatMap((x) => packWithdrawals(x.family, x.prefixes, opts)).length).toBeGreaterThan(0);
    expect(out.size).toBe(1);
  });
});
