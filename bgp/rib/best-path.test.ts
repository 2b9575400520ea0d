// Best-path selection: every step decides once and names itself, ORIGINATOR_ID
// and CLUSTER_LIST (RFC 4456 §9), the MED rules, deterministic MED whatever
// the order of arrival (property test), and the multipath rules.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PathAttributes } from '../wire/index.js';
import { comparePaths, multipathEqual, multipathSet, selectBest, type DecisionReason } from './best-path.js';
import { attrs, local, pathOf, peer, seq } from './fixtures.js';
import { LocRib } from './loc-rib.js';
import type { Path, PathSource } from './path.js';

const O = { alwaysCompareMed: false };
const P = '100.64.0.0/24';

/** Knobs, one per step: true = the value that wins that step. */
interface Knobs {
  local: boolean; lp: boolean; len: boolean; origin: boolean; med: boolean; ebgp: boolean; igp: boolean;
  rid: boolean; cluster: boolean; addr: boolean; slot: boolean;
}
const STEPS: [keyof Knobs, DecisionReason][] = [
  ['local', 'local-origin'], ['lp', 'local-pref'], ['len', 'as-path-length'], ['origin', 'origin'], ['med', 'med'],
  ['ebgp', 'ebgp-over-ibgp'], ['igp', 'igp-cost'], ['rid', 'router-id'], ['cluster', 'cluster-list-length'],
  ['addr', 'peer-address'], ['slot', 'equal'],
];

function fromKnobs(k: Knobs): Path {
  const a: PathAttributes = {
    origin: k.origin ? 0 : 2,
    asPath: seq(...(k.len ? [65001] : [65001, 65002])),
    nextHop: '198.18.0.1',
    localPref: k.lp ? 200 : 100,
    med: k.med ? 10 : 20,
    originatorId: k.rid ? '10.0.0.1' : '10.0.0.2',
    clusterList: k.cluster ? ['10.9.9.9'] : ['10.9.9.9', '10.9.9.8'],
  };
  const source: PathSource = {
    id: 1, address: k.addr ? '198.18.0.9' : '198.18.0.10', peerAs: 65001, routerId: '10.0.0.5',
    ibgp: !k.ebgp, local: k.local,
  };
  return pathOf(P, a, source, { pathId: k.slot ? 1 : 2, igpCost: k.igp ? 10 : 20 });
}

describe('comparePaths: each step decides once', () => {
  STEPS.forEach(([, reason], i) => {
    it(`${reason}: wins at its step even when it loses every later one`, () => {
      const good = {} as Knobs, bad = {} as Knobs;
      STEPS.forEach(([k], j) => {
        good[k] = j <= i; // equal before the step, better at it, worse after
        bad[k] = j < i;
      });
      const a = fromKnobs(good), b = fromKnobs(bad);
      expect(comparePaths(a, b, O)).toEqual({ better: a, reason });
      expect(comparePaths(b, a, O)).toEqual({ better: a, reason });
    });
  });

  it('LOCAL_PREF defaults to 100', () => {
    const a = pathOf(P, attrs({ localPref: 100 }), peer(2)), b = pathOf(P, attrs(), peer(1));
    expect(comparePaths(a, b, O).reason).toBe('router-id');
    expect(comparePaths(pathOf(P, attrs({ localPref: 99 }), peer(1)), a, O)).toEqual({ better: a, reason: 'local-pref' });
  });

  it('AS_PATH length: an AS_SET counts one, confederation segments none', () => {
    const set = pathOf(P, attrs({ asPath: [{ type: 2, asns: [65001] }, { type: 1, asns: [1, 2, 3, 4] }] }), peer(2));
    const longer = pathOf(P, attrs({ asPath: seq(65001, 65002, 65003) }), peer(1));
    expect(comparePaths(set, longer, O)).toEqual({ better: set, reason: 'as-path-length' });
    const confed = pathOf(P, attrs({ asPath: [{ type: 3, asns: [64600, 64601, 64602] }, { type: 2, asns: [65001, 65002] }] }), peer(2));
    const plain = pathOf(P, attrs({ asPath: seq(65001, 65002, 65003) }), peer(1));
    expect(comparePaths(confed, plain, O)).toEqual({ better: confed, reason: 'as-path-length' });
  });

  it('locally originated beats a learned path with a higher LOCAL_PREF', () => {
    const mine = pathOf(P, attrs({ asPath: [] }), local);
    const learned = pathOf(P, attrs({ localPref: 1000 }), peer(1));
    expect(comparePaths(learned, mine, O)).toEqual({ better: mine, reason: 'local-origin' });
  });

  it('unknown IGP cost compares equal', () => {
    const a = pathOf(P, attrs(), peer(2), { igpCost: 5 }), b = pathOf(P, attrs(), peer(1));
    expect(comparePaths(a, b, O)).toEqual({ better: b, reason: 'router-id' });
  });

  it('router IDs and addresses compare as numbers, not text', () => {
    const a = pathOf(P, attrs(), peer(9)), b = pathOf(P, attrs(), peer(10)); // 198.18.0.9 < 198.18.0.10
    expect(comparePaths(b, a, O)).toEqual({ better: a, reason: 'router-id' });
  });
});

describe('route reflection (RFC 4456 §9)', () => {
  it('ORIGINATOR_ID replaces the router ID of the peer', () => {
    const viaRr1 = pathOf(P, attrs({ originatorId: '10.0.0.9' }), peer(1, { routerId: '10.0.0.1', ibgp: true }));
    const viaRr2 = pathOf(P, attrs(), peer(2, { routerId: '10.0.0.5', ibgp: true }));
    expect(comparePaths(viaRr1, viaRr2, O)).toEqual({ better: viaRr2, reason: 'router-id' });
  });
  it('then the shorter CLUSTER_LIST, then the lower peer address', () => {
    const same = { originatorId: '10.0.0.9' };
    const one = pathOf(P, attrs({ ...same, clusterList: ['10.1.1.1'] }), peer(2, { ibgp: true }));
    const two = pathOf(P, attrs({ ...same, clusterList: ['10.1.1.2', '10.1.1.1'] }), peer(1, { ibgp: true }));
    expect(comparePaths(two, one, O)).toEqual({ better: one, reason: 'cluster-list-length' });
    const other = pathOf(P, attrs({ ...same, clusterList: ['10.1.1.3'] }), peer(3, { ibgp: true }));
    expect(comparePaths(other, one, O)).toEqual({ better: one, reason: 'peer-address' });
  });
});

describe('MED', () => {
  const fromAs = (asn: number, med: number | undefined, id: number) => pathOf(P, attrs({ asPath: seq(asn, 65100), med }), peer(id));

  it('is compared between paths from the same neighbouring AS', () => {
    const a = fromAs(65001, 20, 1), b = fromAs(65001, 10, 2);
    expect(comparePaths(a, b, O)).toEqual({ better: b, reason: 'med' });
  });
  it('is ignored between different neighbouring ASes unless alwaysCompareMed', () => {
    const a = fromAs(65001, 10, 2), b = fromAs(65002, 50, 1);
    expect(comparePaths(a, b, O)).toEqual({ better: b, reason: 'router-id' });
    expect(comparePaths(a, b, { alwaysCompareMed: true })).toEqual({ better: a, reason: 'med' });
  });
  it('a missing MED counts as 0', () => {
    const a = fromAs(65001, undefined, 2), b = fromAs(65001, 5, 1);
    expect(comparePaths(a, b, O)).toEqual({ better: a, reason: 'med' });
    expect(comparePaths(a, fromAs(65001, 0, 1), O).reason).toBe('router-id');
  });
  it('paths from within the AS (empty AS_PATH) compare MED with each other', () => {
    const a = pathOf(P, attrs({ asPath: [], med: 5 }), peer(1, { ibgp: true }));
    const b = pathOf(P, attrs({ asPath: [], med: 1 }), peer(2, { ibgp: true }));
    expect(comparePaths(a, b, O)).toEqual({ better: b, reason: 'med' });
  });
});

// Pairwise: A > C (MED, same AS), B > A (router ID), C > B (router ID): a cycle.
const A = pathOf(P, attrs({ asPath: seq(65001), med: 10 }), peer(3));
const B = pathOf(P, attrs({ asPath: seq(65002), med: 5 }), peer(2));
const C = pathOf(P, attrs({ asPath: seq(65001), med: 20 }), peer(1));

describe('selectBest: deterministic MED', () => {
  it('breaks the MED cycle the same way for every arrival order', () => {
    for (const order of [[A, B, C], [A, C, B], [B, A, C], [B, C, A], [C, A, B], [C, B, A]]) {
      expect(selectBest(order, O)).toEqual({ best: B, reason: 'router-id' });
      const rib = new LocRib({ multipath: false });
      for (const p of order) rib.update(p);
      expect(rib.best(order[0]!.prefix)).toBe(B);
    }
  });
  it('a single path is the only path', () => {
    expect(selectBest([A], O)).toEqual({ best: A, reason: 'only-path' });
    expect(selectBest([], O)).toBeUndefined();
  });

  // IGP costs are known for all paths of a set or for none (an unknown cost
  // compares equal to any, which is not transitive).
  const arbPath = (withIgp: boolean) => fc.record({
    id: fc.integer({ min: 1, max: 6 }), pathId: fc.integer({ min: 0, max: 2 }), asn: fc.constantFrom(65001, 65002, 65003),
    len: fc.integer({ min: 1, max: 3 }), med: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
    lp: fc.constantFrom(undefined, 100, 200), origin: fc.constantFrom(0, 2), ibgp: fc.boolean(),
    igp: withIgp ? fc.integer({ min: 0, max: 2 }) : fc.constant(undefined), rid: fc.integer({ min: 1, max: 4 }), local: fc.boolean(),
  }).map((k) => pathOf(P, attrs({
    asPath: seq(...Array.from({ length: k.len }, (_, i) => k.asn + i * 1000)), med: k.med, localPref: k.lp, origin: k.origin as 0 | 2,
  }), k.local ? { ...local, id: k.id } : peer(k.id, { ibgp: k.ibgp, routerId: `10.0.0.${k.rid}` }), { pathId: k.pathId, igpCost: k.igp }));
  // One path per slot (source id, path ID), as in a RIB.
  const arbSet = fc.boolean().chain((withIgp) =>
    fc.uniqueArray(arbPath(withIgp), { selector: (p) => `${p.source.id}/${p.prefix.pathId}`, minLength: 1, maxLength: 8 }));

  it('property: any permutation of a path set gives the same best, reason and multipath set', () => {
    fc.assert(fc.property(arbSet, fc.array(fc.nat(), { minLength: 8, maxLength: 8 }), fc.boolean(), (paths, keys, always) => {
      const o = { alwaysCompareMed: always };
      const shuffled = [...paths].sort((x, y) => keys[paths.indexOf(x)]! - keys[paths.indexOf(y)]!);
      const a = selectBest(paths, o)!, b = selectBest(shuffled, o)!;
      expect(b).toEqual(a);
      expect(multipathSet(shuffled, b.best, o, 16)).toEqual(multipathSet(paths, a.best, o, 16));
      const rib = new LocRib({ multipath: true, alwaysCompareMed: always });
      for (const p of shuffled) rib.update(p);
      expect(rib.best(paths[0]!.prefix)).toBe(a.best);
      expect(rib.multipath(paths[0]!.prefix)).toEqual(multipathSet(paths, a.best, o, 16));
    }));
  });

  it('property: the best beats or ties every path of its neighbouring AS, and every group best', () => {
    fc.assert(fc.property(arbSet, (paths) => {
      const { best } = selectBest(paths, O)!;
      for (const p of paths) {
        if (p === best) continue;
        const sameAs = p.attrs.asPath![0]!.asns[0] === best.attrs.asPath![0]!.asns[0];
        if (sameAs) expect(comparePaths(best, p, O).better).toBe(best);
      }
    }));
  });
});

describe('multipath', () => {
  const e1 = pathOf(P, attrs({ asPath: seq(65001, 65100) }), peer(1));
  const e2 = pathOf(P, attrs({ asPath: seq(65001, 65200) }), peer(2));
  it('eBGP paths equal up to IGP cost from the same neighbouring AS are multipath', () => {
    expect(multipathEqual(e1, e2, O)).toBe(true);
    expect(multipathEqual(e1, pathOf(P, attrs({ asPath: seq(65002, 65100) }), peer(3)), O)).toBe(false);
  });
  it('iBGP paths may come from different neighbouring ASes', () => {
    const i1 = pathOf(P, attrs({ asPath: seq(65001) }), peer(1, { ibgp: true }), { igpCost: 10 });
    const i2 = pathOf(P, attrs({ asPath: seq(65002) }), peer(2, { ibgp: true }), { igpCost: 10 });
    expect(multipathEqual(i1, i2, O)).toBe(true);
    expect(multipathEqual(i1, pathOf(P, i2.attrs, peer(3, { ibgp: true }), { igpCost: 11 }), O)).toBe(false);
  });
  it('any difference before IGP cost excludes a path', () => {
    for (const o of [{ localPref: 200 }, { med: 1 }, { origin: 2 as const }, { asPath: seq(65001, 65100, 65200) }]) {
      expect(multipathEqual(e1, pathOf(P, attrs({ asPath: seq(65001, 65300), ...o }), peer(3)), O)).toBe(false);
    }
    expect(multipathEqual(e1, pathOf(P, e1.attrs, peer(3, { ibgp: true })), O)).toBe(false);
    expect(multipathEqual(e1, pathOf(P, e1.attrs, local), O)).toBe(false);
  });
  it('the set is the best first, then the others in decision order, capped', () => {
    const e3 = pathOf(P, attrs({ asPath: seq(65001, 65300) }), peer(3));
    const worse = pathOf(P, attrs({ asPath: seq(65001, 65100), med: 7 }), peer(4));
    const { best } = selectBest([e3, worse, e2, e1], O)!;
    expect(best).toBe(e1);
    expect(multipathSet([e3, worse, e2, e1], best, O, 16)).toEqual([e1, e2, e3]);
    expect(multipathSet([e3, worse, e2, e1], best, O, 2)).toEqual([e1, e2]);
  });
});
