// Validation helpers for configuration read as `unknown`: each check records
// a problem at an exact path ("policies[2].statements[0].match.prefixes[1].le")
// with a message that says what was found and what is expected, and returns
// the value when it is usable, undefined otherwise. Unknown fields are
// reported with the closest expected name, since they are mostly typos.

export interface ConfigProblem {
  path: string;
  message: string;
}

export type Problems = ConfigProblem[];
export type Fields = Record<string, unknown>;

const U32 = 0xffffffff;

/** A short rendering of a received value for messages. */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list (${v.length} item${v.length === 1 ? '' : 's'})`;
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  return String(v);
}

export function isFields(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

/** The expected name closest to `key` when it is plausibly a typo of it. */
export function closest(key: string, expected: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const e of expected) {
    const d = distance(key.toLowerCase(), e.toLowerCase());
    if (d < bestD) { best = e; bestD = d; }
  }
  return bestD <= Math.max(1, Math.floor((best?.length ?? 0) / 3)) ? best : undefined;
}

/** Reports every key of `obj` not in `expected`; `hints` gives a tailored message for likely confusions. */
export function checkFields(obj: Fields, path: string, expected: readonly string[], problems: Problems,
  hints: Readonly<Record<string, string>> = {}): void {
  for (const key of Object.keys(obj)) {
    if (expected.includes(key)) continue;
    const hint = hints[key];
    const near = closest(key, expected);
    const advice = hint ?? (near !== undefined ? `did you mean "${near}"?` : `expected one of: ${expected.join(', ')}`);
    problems.push({ path: `${path}.${key}`, message: `unknown field "${key}"; ${advice}` });
  }
}

export function checkInteger(v: unknown, path: string, min: number, max: number, what: string, problems: Problems): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
  problems.push({ path, message: `must be ${what}, an integer from ${min} to ${max}; got ${describe(v)}` });
  return undefined;
}

export function checkU32(v: unknown, path: string, what: string, problems: Problems): number | undefined {
  return checkInteger(v, path, 0, U32, what, problems);
}

export function checkBoolean(v: unknown, path: string, problems: Problems): boolean | undefined {
  if (typeof v === 'boolean') return v;
  problems.push({ path, message: `must be true or false; got ${describe(v)}` });
  return undefined;
}

/** A list; `minLength` 1 for lists where emptiness is surely a mistake. */
export function checkList(v: unknown, path: string, what: string, problems: Problems, why?: string): readonly unknown[] | undefined {
  if (!Array.isArray(v)) {
    problems.push({ path, message: `must be a list of ${what}; got ${describe(v)}` });
    return undefined;
  }
  if (why !== undefined && v.length === 0) {
    problems.push({ path, message: `must not be empty: ${why}` });
    return undefined;
  }
  return v;
}

/** Each element through `item`; undefined when any element was rejected (its problem is recorded). */
export function checkEach<T>(list: readonly unknown[], path: string, problems: Problems,
  item: (v: unknown, path: string) => T | undefined): T[] | undefined {
  const out: T[] = [];
  let ok = true;
  list.forEach((v, i) => {
    const r = item(v, `${path}[${i}]`);
    if (r === undefined) ok = false;
    else out.push(r);
  });
  return ok ? out : undefined;
}
