// IPPool.nodeSelector: the subset of Calico's selector language that pools
// use, parsed once into a predicate over a node's labels.
//   all()              every node (also the empty selector)
//   k == 'v', k != 'v' (a missing key is != every value)
//   has(k), !has(k)
//   k in {'a','b'}, k not in {'a','b'}
//   e1 && e2, e1 || e2, !e, ( e )     (&& binds tighter than ||)
// Strings take single or double quotes. Errors name the offending position.

export type NodeSelector = (labels: Readonly<Record<string, string>>) => boolean;

type Tok = { t: 'id' | 'str' | 'op'; v: string; at: number };

const OPS = ['&&', '||', '==', '!=', '!', '(', ')', '{', '}', ','];

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) { i++; continue; }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op !== undefined) { out.push({ t: 'op', v: op, at: i }); i += op.length; continue; }
    if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated string at ${i}`);
      out.push({ t: 'str', v: src.slice(i + 1, end), at: i });
      i = end + 1;
      continue;
    }
    const m = /^[A-Za-z0-9_./-]+/.exec(src.slice(i));
    if (m === null) throw new Error(`unexpected ${JSON.stringify(c)} at ${i}`);
    out.push({ t: 'id', v: m[0], at: i });
    i += m[0].length;
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[], private readonly src: string) {}

  parse(): NodeSelector {
    if (this.toks.length === 0) return () => true;
    const e = this.or();
    const rest = this.toks[this.i];
    if (rest !== undefined) throw this.error(`unexpected ${JSON.stringify(rest.v)}`, rest);
    return e;
  }

  private peek(): Tok | undefined { return this.toks[this.i]; }
  private isOp(v: string): boolean { const t = this.peek(); return t?.t === 'op' && t.v === v; }
  private error(msg: string, t?: Tok): Error { return new Error(`${msg} at ${t?.at ?? this.src.length}`); }

  private expectOp(v: string): void {
    if (!this.isOp(v)) throw this.error(`expected ${JSON.stringify(v)}`, this.peek());
    this.i++;
  }

  private next(kind: Tok['t'], what: string): string {
    const t = this.peek();
    if (t?.t !== kind) throw this.error(`expected ${what}`, t);
    this.i++;
    return t.v;
  }

  private or(): NodeSelector {
    const parts = [this.and()];
    while (this.isOp('||')) { this.i++; parts.push(this.and()); }
    return parts.length === 1 ? parts[0] as NodeSelector : (l) => parts.some((p) => p(l));
  }

  private and(): NodeSelector {
    const parts = [this.unary()];
    while (this.isOp('&&')) { this.i++; parts.push(this.unary()); }
    return parts.length === 1 ? parts[0] as NodeSelector : (l) => parts.every((p) => p(l));
  }

  private unary(): NodeSelector {
    if (this.isOp('!')) { this.i++; const e = this.unary(); return (l) => !e(l); }
    if (this.isOp('(')) { this.i++; const e = this.or(); this.expectOp(')'); return e; }
    const id = this.next('id', 'a label key, all() or has()');
    if ((id === 'all' || id === 'has') && this.isOp('(')) {
      this.i++;
      if (id === 'all') { this.expectOp(')'); return () => true; }
      const key = this.next('id', 'a label key');
      this.expectOp(')');
      return (l) => Object.prototype.hasOwnProperty.call(l, key);
    }
    const key = id;
    if (this.isOp('==') || this.isOp('!=')) {
      const neg = this.isOp('!=');
      this.i++;
      const v = this.next('str', 'a quoted value');
      return neg ? (l) => l[key] !== v : (l) => l[key] === v;
    }
    let neg = false;
    const t = this.peek();
    if (t?.t === 'id' && t.v === 'not') { neg = true; this.i++; }
    const kw = this.peek();
    if (kw?.t !== 'id' || kw.v !== 'in') throw this.error(`expected ==, !=, in or not in after ${JSON.stringify(key)}`, kw);
    this.i++;
    this.expectOp('{');
    const set = new Set<string>();
    if (!this.isOp('}')) {
      set.add(this.next('str', 'a quoted value'));
      while (this.isOp(',')) { this.i++; set.add(this.next('str', 'a quoted value')); }
    }
    this.expectOp('}');
    return neg
      ? (l) => !(Object.prototype.hasOwnProperty.call(l, key) && set.has(l[key] as string))
      : (l) => Object.prototype.hasOwnProperty.call(l, key) && set.has(l[key] as string);
  }
}

/** Parses a node selector; throws `invalid nodeSelector "<src>": <reason> at <pos>`. */
export function parseNodeSelector(src: string | undefined): NodeSelector {
  const text = src ?? '';
  try {
    return new Parser(tokenize(text), text).parse();
  } catch (e) {
    throw new Error(`invalid nodeSelector ${JSON.stringify(text)}: ${(e as Error).message}`);
  }
}
