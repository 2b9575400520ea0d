// Loc-RIB deltas: new best, replaced, withdrawn, removeSource, ADD-PATH paths
// of one peer kept apart, multipath sets and option changes.

import { describe, expect, it } from 'vitest';
import { Prefix } from '../wire/index.js';
import { attrs, local, pathOf, peer, seq } from './fixtures.js';
import { LocRib, NO_PATHS } from './loc-rib.js';
import { prefixKey } from './path.js';

const P = '100.64.1.0/24';
const prefix = Prefix.parse(P);
const p1 = peer(1), p2 = peer(2), p3 = peer(3);

describe('LocRib deltas', () => {
  it('a first path is the best: only-path', () => {
    const rib = new LocRib({ multipath: false });
    const a = pathOf(P, attrs(), p1);
    const d = rib.update(a)!;
    expect(d).toMatchObject({ key: prefixKey(prefix), family: 'ipv4-unicast', best: a, previous: undefined, reason: 'only-path' });
    expect(d.prefix.equals(prefix)).toBe(true);
    expect(d.multipath).toEqual([a]);
    expect(rib.size).toBe(1);
    expect(rib.best(prefix)).toBe(a);
  });

  it('a better path takes over with the reason; a worse one changes nothing', () => {
    const rib = new LocRib({ multipath: false });
    const a = pathOf(P, attrs(), p2);
    rib.update(a);
    const better = pathOf(P, attrs({ localPref: 200 }), p1);
    expect(rib.update(better)).toMatchObject({ best: better, previous: a, reason: 'local-pref' });
    expect(rib.update(pathOf(P, attrs({ asPath: seq(64513, 1) }), p3))).toBeUndefined();
    expect(rib.paths(prefix)).toHaveLength(3);
    expect(rib.reason(prefix)).toBe('local-pref');
  });

  it('the reason names the step by which the best beat the runner-up', () => {
    const rib = new LocRib({ multipath: false });
    rib.update(pathOf(P, attrs({ asPath: seq(64513, 1) }), p1));
    const d = rib.update(pathOf(P, attrs(), p3))!;
    expect(d.reason).toBe('as-path-length');
    expect(rib.update(pathOf(P, attrs(), p2))).toMatchObject({ reason: 'router-id', previous: d.best });
  });

  it('a path from the same source replaces the old one; the same object again is no change', () => {
    const rib = new LocRib({ multipath: false });
    const a = pathOf(P, attrs(), p1);
    rib.update(a);
    const a2 = pathOf(P, attrs({ med: 5 }), p1);
    expect(rib.update(a2)).toMatchObject({ best: a2, previous: a, reason: 'only-path' });
    expect(rib.update(a2)).toBeUndefined();
    expect(rib.paths(prefix)).toEqual([a2]);
    const b = pathOf(P, attrs(), p2);
    rib.update(b);
    expect(rib.best(prefix)).toBe(b);
    const b2 = pathOf(P, attrs({ med: 9 }), p2); // now worse than a2 (MED)
    expect(rib.update(b2)).toMatchObject({ best: a2, previous: b, reason: 'med' });
    expect(rib.pathsFrom(2)).toBe(1);
  });

  it('withdrawing the best falls back to the next; withdrawing the last path withdraws the route', () => {
    const rib = new LocRib({ multipath: false });
    const a = pathOf(P, attrs(), p1), b = pathOf(P, attrs(), p2);
    rib.update(a);
    rib.update(b);
    expect(rib.withdraw(2, prefix)).toBeUndefined(); // not the best
    rib.update(b);
    expect(rib.withdraw(1, prefix)).toMatchObject({ best: b, previous: a, reason: 'only-path' });
    expect(rib.withdraw(1, prefix)).toBeUndefined(); // nothing left of peer 1
    const d = rib.withdraw(2, prefix)!;
    expect(d).toMatchObject({ best: undefined, previous: b, reason: 'withdrawn', key: prefixKey(prefix) });
    expect(d.multipath).toBe(NO_PATHS);
    expect(Object.isFrozen(d.multipath)).toBe(true);
    expect(rib.size).toBe(0);
    expect(rib.best(prefix)).toBeUndefined();
    expect(rib.withdraw(2, prefix)).toBeUndefined();
  });

  it('ADD-PATH: paths of one peer with different path IDs are kept apart', () => {
    const rib = new LocRib({ multipath: false });
    const x1 = pathOf(P, attrs({ med: 20 }), p1, { pathId: 1 });
    const x2 = pathOf(P, attrs({ med: 10 }), p1, { pathId: 2 });
    rib.update(x1);
    const d = rib.update(x2)!;
    expect(d).toMatchObject({ best: x2, previous: x1, reason: 'med' });
    expect(d.prefix.pathId).toBe(0);
    expect(rib.paths(prefix)).toEqual([x1, x2]);
    expect(rib.best(Prefix.parse(P, 7))).toBe(x2); // look-ups ignore the path ID
    expect(rib.withdraw(1, Prefix.parse(P, 1))).toBeUndefined();
    expect(rib.paths(prefix)).toEqual([x2]);
    expect(rib.withdraw(1, Prefix.parse(P, 2))).toMatchObject({ best: undefined, previous: x2, reason: 'withdrawn' });
  });

  it('removeSource withdraws every path of a session, with a delta only where the route changed', () => {
    const rib = new LocRib({ multipath: false });
    const prefixes = ['100.64.0.0/24', '100.64.1.0/24', '100.64.2.0/24', '2001:db8::/64'];
    const mine = prefixes.map((p) => pathOf(p, attrs(), p1));
    for (const p of mine) rib.update(p);
    const other1 = pathOf(prefixes[1]!, attrs({ localPref: 50 }), p2); // worse than p1's
    const other2 = pathOf(prefixes[2]!, attrs({ localPref: 500 }), p2); // better
    rib.update(other1);
    rib.update(other2);
    rib.update(pathOf(prefixes[0]!, attrs(), p1, { pathId: 3 })); // a second (ADD-PATH) path of p1
    expect(rib.pathsFrom(1)).toBe(5);
    const deltas = rib.removeSource(1);
    expect(deltas.map((d) => [d.prefix.toString(), d.best?.source.id, d.reason]).sort()).toEqual([
      ['100.64.0.0/24', undefined, 'withdrawn'], ['100.64.1.0/24', 2, 'only-path'], ['2001:db8::/64', undefined, 'withdrawn'],
    ]);
    expect(rib.pathsFrom(1)).toBe(0);
    expect(rib.size).toBe(2);
    expect(rib.removeSource(1)).toEqual([]);
    expect(rib.paths(Prefix.parse(prefixes[2]!))).toEqual([other2]);
  });

  it('removeSource with the prefixes of the session avoids the walk and gives the same deltas', () => {
    const build = () => {
      const rib = new LocRib({ multipath: false });
      for (let i = 0; i < 50; i++) {
        rib.update(pathOf(Prefix.v4(0x64400000 + i * 256, 24), attrs(), p1));
        if (i % 3 === 0) rib.update(pathOf(Prefix.v4(0x64400000 + i * 256, 24), attrs(), p2));
      }
      return rib;
    };
    const walked = build().removeSource(1);
    const hinted = build().removeSource(1, Array.from({ length: 50 }, (_, i) => Prefix.v4(0x64400000 + i * 256, 24)));
    const summary = (ds: typeof walked) => ds.map((d) => [d.key as number, d.best?.source.id]).sort((x, y) => x[0]! - y[0]!);
    expect(summary(hinted)).toEqual(summary(walked));
    expect(walked).toHaveLength(50);
  });

  it('entries and size by family', () => {
    const rib = new LocRib({ multipath: false });
    const v4 = pathOf('100.64.0.1/32', attrs(), p1), v6 = pathOf('2001:db8::/48', attrs(), p1, { pathId: 4 });
    rib.update(v4);
    rib.update(v6);
    rib.update(pathOf('2001:db8::/48', attrs({ localPref: 10 }), p2));
    expect(rib.size).toBe(2);
    expect([...rib.entries('ipv4-unicast')].map((e) => e.best)).toEqual([v4]);
    const [e6] = [...rib.entries('ipv6-unicast')];
    expect(e6!.best).toBe(v6);
    expect(e6!.prefix.toString()).toBe('2001:db8::/48');
    expect(e6!.prefix.pathId).toBe(0);
    expect([...rib.entries()]).toHaveLength(2);
  });

  it('locally originated routes win over learned ones', () => {
    const rib = new LocRib({ multipath: false });
    rib.update(pathOf(P, attrs({ localPref: 900 }), p1));
    const mine = pathOf(P, attrs({ asPath: [] }), local);
    expect(rib.update(mine)).toMatchObject({ best: mine, reason: 'local-origin' });
  });
});

describe('LocRib multipath', () => {
  const e = (id: number, o = {}) => pathOf(P, attrs({ asPath: seq(65001, 65000 + id), ...o }), peer(id));

  it('equal paths join the set; a change of the set alone is a delta with the same best', () => {
    const rib = new LocRib({ multipath: true });
    const a = e(1), b = e(2), c = e(3, { med: 5 });
    rib.update(a);
    const d = rib.update(b)!;
    expect(d).toMatchObject({ best: a, previous: a, reason: 'router-id' });
    expect(d.multipath).toEqual([a, b]);
    expect(rib.update(c)).toBeUndefined(); // worse MED: not in the set, not the best
    expect(rib.multipath(prefix)).toEqual([a, b]);
    expect(rib.withdraw(2, prefix)!.multipath).toEqual([a]);
    expect(rib.withdraw(3, prefix)).toBeUndefined();
  });

  it('maxPaths caps the set', () => {
    const rib = new LocRib({ multipath: true, maxPaths: 2 });
    for (const id of [4, 3, 2, 1]) rib.update(e(id));
    expect(rib.multipath(prefix).map((p) => p.source.id)).toEqual([1, 2]);
  });

  it('without multipath the set is the best alone', () => {
    const rib = new LocRib({ multipath: false });
    const a = e(1);
    rib.update(a);
    expect(rib.update(e(2))).toBeUndefined();
    expect(rib.multipath(prefix)).toEqual([a]);
  });

  it('setOptions decides again and returns what changed', () => {
    const rib = new LocRib({ multipath: false });
    const a = e(1), b = e(2), far = pathOf(P, attrs({ asPath: seq(65009, 1), med: 50 }), peer(9, { address: '198.18.0.0' }));
    rib.update(a);
    rib.update(b);
    rib.update(far);
    expect(rib.best(prefix)).toBe(far); // MED not compared across neighbouring ASes: lowest router ID
    expect(rib.setOptions({ multipath: true })).toEqual([]); // far is alone in its AS: no change
    const always = rib.setOptions({ alwaysCompareMed: true });
    expect(always).toHaveLength(1);
    expect(always[0]).toMatchObject({ best: a, previous: far, reason: 'router-id' });
    expect(always[0]!.multipath).toEqual([a, b]);
    expect(rib.setOptions({ multipath: false })[0]!.multipath).toEqual([a]);
    expect(rib.setOptions({})).toEqual([]);
  });
});
