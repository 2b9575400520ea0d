// The embedded-mode file format: one YAML stream of documents separated by
// `---` lines (YAML 1.2 §9.2), each a CRD-shaped resource, written by hand
// (Nodes, IPPools, policies) or by the agent (IPAM objects). The stream is
// split into documents by their `---` lines and each document is parsed on
// its own, so that (1) a write re-renders only the documents it changed and
// keeps the others byte for byte, comments included, and (2) a re-read parses
// only documents whose text changed (results are memoised by text).
// The first line carries the resourceVersion counter:
//   # l3mesh datastore: last resourceVersion 1234 ...
// Without it (a file written by hand) the counter is the highest version found.
// Documents without a resourceVersion (written by hand) get one derived from
// their text ("t<hash>"), the same in every process, so CAS still holds.
import { Document, isScalar, parseDocument, visit } from 'yaml';
import { deepFreeze, keyOf, resourceKey } from './resource.js';
import { KINDS, type Kind, type Resource } from './types.js';
import { resourceErrors } from './validate.js';

const COUNTER_LINE = /^# l3mesh datastore: last resourceVersion (\d+)[^\n]*\n?/;
const KIND_SET: ReadonlySet<string> = new Set(KINDS);

export function counterLine(counter: number): string {
  return `# l3mesh datastore: last resourceVersion ${counter} (kept by the agent; edit the documents below, not this line)\n`;
}

/** What one document's text holds. Memoised by text: the same text always gives the same object. */
export interface ParsedDoc {
  /** Identity (kind/namespace/name) when the document names one, valid or not. */
  readonly key?: string;
  /** The resource when the document is valid. */
  readonly resource?: Resource;
  /** Validation problems ("IPPool pool-a: spec.cidr ..."). */
  readonly errors?: readonly string[];
  /** A YAML syntax error: the whole file is then unusable. */
  readonly syntax?: { readonly line: number; readonly message: string };
}

export interface Chunk {
  /** Exact source text, including its leading `---` line when it has one, ending in a newline. */
  readonly text: string;
  /** 1-based line of the chunk in the file (for messages). */
  readonly line: number;
  readonly doc: ParsedDoc;
}

export interface ParsedFile {
  readonly counter: number;
  readonly chunks: Chunk[];
}

/** FNV-1a 32-bit, for versions of hand-written documents. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) { h ^= text.charCodeAt(i); h = Math.imul(h, 0x01000193); }
  return (h >>> 0).toString(16).padStart(8, '0');
}

const isSeparator = (text: string, at: number): boolean => {
  if (!text.startsWith('---', at)) return false;
  const c = text[at + 3];
  return c === undefined || c === '\n' || c === '\r' || c === ' ' || c === '\t';
};

/** Splits a YAML stream at its `---` lines; returns [text, first line] pairs covering the whole input. */
export function splitDocuments(text: string): [string, number][] {
  const starts: number[] = [0];
  for (let i = text.indexOf('\n---'); i >= 0; i = text.indexOf('\n---', i + 1)) {
    if (isSeparator(text, i + 1)) starts.push(i + 1);
  }
  const out: [string, number][] = [];
  let line = 1;
  for (let i = 0; i < starts.length; i++) {
    const piece = text.slice(starts[i], starts[i + 1] ?? text.length);
    if (piece !== '') out.push([piece, line]);
    for (let j = piece.indexOf('\n'); j >= 0; j = piece.indexOf('\n', j + 1)) line++;
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Parses and validates one document. */
export function parseDoc(text: string): ParsedDoc {
  const json = jsonBody(text);
  if (json !== undefined) return checkDoc(json, text);
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const err = doc.errors[0];
  if (err !== undefined) {
    let line = 1;
    for (let i = text.indexOf('\n'); i >= 0 && i < err.pos[0]; i = text.indexOf('\n', i + 1)) line++;
    return { syntax: { line, message: err.message.split('\n')[0] ?? err.message } };
  }
  let value: unknown;
  try { value = doc.toJS({ maxAliasCount: 100 }); } catch (e) { return { syntax: { line: 1, message: (e as Error).message } }; }
  return checkDoc(value, text);
}

/** A document written as JSON (`--- {...}`): its value, or undefined to let the YAML parser read (and judge) it. */
function jsonBody(text: string): unknown {
  let i = text.startsWith('---') ? 3 : 0;
  while (text[i] === ' ' || text[i] === '\n') i++;
  if (text[i] !== '{') return undefined;
  try { return JSON.parse(text.slice(i)) as unknown; } catch { return undefined; }
}

function checkDoc(value: unknown, text: string): ParsedDoc {
  if (value === null || value === undefined) return {};
  if (!isObject(value)) return { errors: [`document is not a mapping (got ${Array.isArray(value) ? 'a list' : typeof value})`] };
  const meta = value.metadata;
  let key: string | undefined;
  if (typeof value.kind === 'string' && KIND_SET.has(value.kind) && isObject(meta) && typeof meta.name === 'string') {
    key = resourceKey(value.kind as Kind, meta.name, typeof meta.namespace === 'string' ? meta.namespace : undefined);
    // a version typed as a bare number by hand
    if (typeof meta.resourceVersion === 'number') meta.resourceVersion = String(meta.resourceVersion);
    if (meta.resourceVersion === undefined) meta.resourceVersion = `t${fnv1a(text)}`;
  }
  const errors = resourceErrors(value);
  if (errors.length > 0) return key === undefined ? { errors } : { key, errors };
  const resource = deepFreeze(value as unknown as Resource);
  return { key: keyOf(resource), resource };
}

/**
 * Parses a whole file. `memo` maps document text to its ParsedDoc from the
 * previous read; it is replaced by one holding only the current documents.
 */
export function parseFile(text: string, memo: Map<string, ParsedDoc>): { file: ParsedFile; memo: Map<string, ParsedDoc> } {
  const m = COUNTER_LINE.exec(text);
  const body = m === null ? text : text.slice(m[0].length);
  let counter = m === null ? 0 : Number(m[1]);
  const next = new Map<string, ParsedDoc>();
  const chunks: Chunk[] = [];
  for (const [piece, line] of splitDocuments(body)) {
    let doc = next.get(piece) ?? memo.get(piece);
    if (doc === undefined) doc = parseDoc(piece);
    next.set(piece, doc);
    const v = Number(doc.resource?.metadata.resourceVersion);
    if (Number.isSafeInteger(v) && v > counter) counter = v;
    chunks.push({ text: piece, line: line + (m === null ? 0 : 1), doc });
  }
  return { file: { counter, chunks }, memo: next };
}

/** Kinds written by the program many times a second under load: rendered as JSON (valid YAML 1.2), parsed fast. */
const JSON_KINDS: ReadonlySet<string> = new Set<Kind>(['IPAMBlock', 'IPAMHandle', 'BlockAffinity']);

/**
 * The text of a document holding `r`, with its leading `---` line. Kinds
 * people write (Nodes, pools, peers, policies, endpoints) come out as block
 * YAML with lists of plain values on one line; IPAM objects come out as JSON
 * laid out one field per line (still YAML: JSON is a subset of YAML 1.2,
 * §1.3), which parseDoc reads with JSON.parse, 10-100x faster than the YAML parser.
 */
export function renderDoc(r: Resource): string {
  if (JSON_KINDS.has(r.kind)) return renderJson(r);
  const doc = new Document(r);
  visit(doc, {
    Seq(_key, seq) {
      if (seq.items.every((i) => isScalar(i))) seq.flow = true;
    },
  });
  return `---\n${doc.toString({ lineWidth: 0, flowCollectionPadding: false })}`;
}

function renderJson(r: Resource): string {
  const top = Object.entries(r).filter(([, v]) => v !== undefined);
  const lines = top.map(([k, v], i) => {
    const comma = i < top.length - 1 ? ',' : '';
    if (k !== 'spec' || !isObject(v)) return `  ${JSON.stringify(k)}: ${JSON.stringify(v)}${comma}`;
    const fields = Object.entries(v).filter(([, x]) => x !== undefined);
    if (fields.length === 0) return `  "spec": {}${comma}`;
    return `  "spec": {\n${fields.map(([f, x], j) => `    ${JSON.stringify(f)}: ${JSON.stringify(x)}${j < fields.length - 1 ? ',' : ''}`).join('\n')}\n  }${comma}`;
  });
  return `--- {\n${lines.join('\n')}\n}\n`;
}

export function renderFile(counter: number, chunks: readonly Chunk[]): string {
  let out = counterLine(counter);
  for (const c of chunks) out += c.text.endsWith('\n') ? c.text : `${c.text}\n`;
  return out;
}

/** A chunk holding freshly rendered `r` (its text memoised so the next read does not re-parse it). */
export function renderedChunk(r: Resource, memo: Map<string, ParsedDoc>): Chunk {
  const text = renderDoc(r);
  const doc: ParsedDoc = { key: keyOf(r), resource: r };
  memo.set(text, doc);
  return { text, line: 0, doc };
}
