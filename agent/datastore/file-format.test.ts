// The file format on its own: splitting a stream at `---` lines (and only
// there), per-document parsing with line numbers, the counter line, the two
// renderings (block YAML for hand-written kinds, JSON for IPAM objects) and
// that both read back identically with a general YAML parser.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { counterLine, parseDoc, parseFile, renderDoc, splitDocuments } from './file-format.js';
import { ipPool, workloadEndpoint } from './testing/fixtures.js';
import { API_VERSION, type ResourceOf } from './types.js';

const block: ResourceOf<'IPAMBlock'> = {
  apiVersion: API_VERSION, kind: 'IPAMBlock', metadata: { name: '100.64.0.0-30', resourceVersion: '7' },
  spec: { cidr: '100.64.0.0/30', affinity: 'host:node-a', allocations: [0, null, null, null], unallocated: [1, 2, 3], attributes: [{ handleID: 'l3mesh-net.abc', secondary: { pod: 'p "quoted" ü' } }] },
};

describe('file format', () => {
  it('splits at --- lines only, keeping every byte, with first-line numbers', () => {
    const text = '# head\n---\na: 1\nb: "---"\n--- # two\nc: |\n  ---x\n---\n';
    const parts = splitDocuments(text);
    expect(parts.map(([t]) => t).join('')).toBe(text);
    expect(parts).toEqual([['# head\n', 1], ['---\na: 1\nb: "---"\n', 2], ['--- # two\nc: |\n  ---x\n', 5], ['---\n', 8]]);
    expect(splitDocuments('---\nx: 1\n----\n')).toEqual([['---\nx: 1\n----\n', 1]]);
  });

  it('renders IPAM objects as JSON and hand-written kinds as block YAML; a YAML parser reads both back unchanged', () => {
    const j = renderDoc(block);
    expect(j.startsWith('--- {\n  "apiVersion": "l3mesh.io/v1",\n')).toBe(true);
    expect(j).toContain('\n    "allocations": [0,null,null,null],\n');
    expect(parse(j)).toEqual(block);
    const pool = { ...ipPool('pool-a', '100.64.0.0/16', { blockSize: 26, natOutgoing: true }), metadata: { name: 'pool-a', resourceVersion: '3' } };
    const y = renderDoc(pool);
    expect(y).toBe('---\napiVersion: l3mesh.io/v1\nkind: IPPool\nmetadata:\n  name: pool-a\n  resourceVersion: "3"\nspec:\n  cidr: 100.64.0.0/16\n  blockSize: 26\n  natOutgoing: true\n');
    const wep = { ...workloadEndpoint('ns-a', 'pod-1', '100.64.0.5/32'), metadata: { name: 'w', namespace: 'ns-a', resourceVersion: '4' } };
    expect(renderDoc(wep)).toContain('  ipNetworks: [100.64.0.5/32]\n');
    for (const r of [block, pool, wep]) expect(parseDoc(renderDoc(r)).resource).toEqual(r);
  });

  it('parses documents: hand-written ones get a version derived from their text; errors carry their line', () => {
    const hand = '---\napiVersion: l3mesh.io/v1\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: 100.64.0.0/16}\n';
    const a = parseDoc(hand);
    expect(a.resource?.metadata.resourceVersion).toMatch(/^t[0-9a-f]{8}$/);
    expect(parseDoc(hand).resource?.metadata.resourceVersion).toBe(a.resource?.metadata.resourceVersion);
    expect(parseDoc(hand.replace('16', '15')).resource?.metadata.resourceVersion).not.toBe(a.resource?.metadata.resourceVersion);
    expect(parseDoc('---\n# nothing here\n')).toEqual({});
    expect(parseDoc('---\n- a\n- b\n').errors).toEqual(['document is not a mapping (got a list)']);
    expect(parseDoc('---\nkind: IPPool\nmetadata: {name: p\n').syntax?.line).toBeGreaterThanOrEqual(3);
    expect(parseDoc('---\na: 1\na: 2\n').syntax?.message).toMatch(/unique/i);
    // a JSON-looking document that is not JSON falls back to the YAML parser
    expect(parseDoc('--- {apiVersion: l3mesh.io/v1, kind: IPPool, metadata: {name: p}, spec: {cidr: 100.64.0.0/16}}\n').resource?.spec).toEqual({ cidr: '100.64.0.0/16' });
  });

  it('the counter is the counter line or the highest version found, whichever is higher', () => {
    const doc = renderDoc(block);
    expect(parseFile(`${counterLine(40)}${doc}`, new Map()).file.counter).toBe(40);
    expect(parseFile(`${counterLine(3)}${doc}`, new Map()).file.counter).toBe(7);
    expect(parseFile(doc, new Map()).file.counter).toBe(7);
    expect(parseFile(`${counterLine(3)}${doc}`, new Map()).file.chunks[0]?.line).toBe(2);
  });

  it('re-reads reuse the parse of unchanged documents (memo by text)', () => {
    const text = renderDoc(block) + renderDoc({ ...block, metadata: { name: '100.64.0.4-30', resourceVersion: '8' }, spec: { ...block.spec, cidr: '100.64.0.4/30' } });
    const first = parseFile(text, new Map());
    const again = parseFile(text.replace('"resourceVersion":"8"', '"resourceVersion":"9"'), first.memo);
    expect(again.file.chunks[0]?.doc).toBe(first.file.chunks[0]?.doc);
    expect(again.file.chunks[1]?.doc).not.toBe(first.file.chunks[1]?.doc);
    expect(again.memo.size).toBe(2);
  });
});
