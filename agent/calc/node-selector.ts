// Calico's selector expressions over node labels (IPPool.nodeSelector,
// BGPPeer.nodeSelector / peerSelector), the subset used in practice:
//   all()   k == 'v'   k != 'v'   has(k)   !has(k)   k in {'a','b'}   k not in {'a'}
//   joined with && and ||, grouped with ( ).  An empty selector means all().
// A selector that does not parse matches nothing (and parse errors are reported
// by the datastore's validation).

type Node = (labels: Readonly<Record<string, string>>) => boolean;

export function parseSelector(text: string): Node {
  const toks = text.match(/\s*(all\(\)|has\([^)]*\)|!has\([^)]*\)|&&|\|\||\(|\)|==|!=|not in|in|\{[^}]*\}|'[^']*'|"[^"]*"|[A-Za-z0-9_./-]+)\s*/g)?.map((t) => t.trim()) ?? [];
  if (toks.join('').replace(/\s/g, '') !== text.replace(/\s/g, '')) throw new Error(`cannot parse selector ${JSON.stringify(text)}`);
  let i = 0;
  const peek = () => toks[i];
  const next = () => toks[i++];
  const str = (t: string | undefined) => {
    if (!t || !/^(['"]).*\1$/.test(t)) throw new Error(`selector ${JSON.stringify(text)}: expected a quoted value near ${JSON.stringify(t ?? 'end')}`);
    return t.slice(1, -1);
  };
  const set = (t: string | undefined) => {
    if (!t || !t.startsWith('{')) throw new Error(`selector ${JSON.stringify(text)}: expected {…}`);
    return t.slice(1, -1).split(',').map((x) => str(x.trim()));
  };
  const term = (): Node => {
    const t = next();
    if (t === undefined) throw new Error(`selector ${JSON.stringify(text)}: unexpected end`);
    if (t === 'all()') return () => true;
    if (t === '(') {
      const e = or();
      if (next() !== ')') throw new Error(`selector ${JSON.stringify(text)}: missing )`);
      return e;
    }
    const has = /^(!?)has\(\s*([^)\s]+)\s*\)$/.exec(t);
    if (has) return has[1] ? (l) => !(has[2]! in l) : (l) => has[2]! in l;
    const op = next();
    if (op === '==') { const v = str(next()); return (l) => l[t] === v; }
    if (op === '!=') { const v = str(next()); return (l) => l[t] !== v; }
    if (op === 'in') { const vs = set(next()); return (l) => l[t] !== undefined && vs.includes(l[t]!); }
    if (op === 'not in') { const vs = set(next()); return (l) => l[t] === undefined || !vs.includes(l[t]!); }
    throw new Error(`selector ${JSON.stringify(text)}: unexpected ${JSON.stringify(op ?? 'end')} after ${t}`);
  };
  const and = (): Node => {
    let l = term();
    while (peek() === '&&') { next(); const a = l, b = term(); l = (x) => a(x) && b(x); }
    return l;
  };
  const or = (): Node => {
    let l = and();
    while (peek() === '||') { next(); const a = l, b = and(); l = (x) => a(x) || b(x); }
    return l;
  };
  if (toks.length === 0) return () => true;
  const e = or();
  if (i !== toks.length) throw new Error(`selector ${JSON.stringify(text)}: unexpected ${JSON.stringify(toks[i])}`);
  return e;
}

const cache = new Map<string, Node | null>();

export function selectorMatches(text: string, labels: Readonly<Record<string, string>>): boolean {
  let n = cache.get(text);
  if (n === undefined) {
    try { n = parseSelector(text); } catch { n = null; }
    cache.set(text, n);
  }
  return n !== null && n(labels);
}
