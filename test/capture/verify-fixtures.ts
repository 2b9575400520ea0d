// Checks every captured fixture: JSON shape, hex, 16 x 0xff marker, length
// field equal to the message length, type code equal to the "type" string,
// size limits (4096, or 65535 with extended messages), and that the UPDATE,
// OPEN, NOTIFICATION and ROUTE-REFRESH bodies parse completely with the
// decode options given. Prints one summary line per file; exits 1 on error.
//
//   npx tsx test/capture/verify-fixtures.ts [DIR]   (default bgp/wire/fixtures/captured)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, parseUpdate, TYPE_CODES, type DecodeOptions } from './bgp-summary.js';

interface Message { from: string; to: string; type: string; note: string; decode: DecodeOptions; hex: string }
interface Fixture { name: string; captured: string; messages: Message[] }

function check(file: string): string {
  const f = JSON.parse(readFileSync(file, 'utf8')) as Fixture;
  if (typeof f.name !== 'string' || typeof f.captured !== 'string' || !Array.isArray(f.messages)) {
    throw new Error('needs name, captured and messages');
  }
  const types: Record<string, number> = {};
  const families = new Set<string>();
  const eor: string[] = [];
  const opts = new Set<string>();
  let maxLen = 0;
  f.messages.forEach((m, i) => {
    const where = `message ${i} (${m.type} ${m.from}->${m.to})`;
    try {
      if (!/^([0-9a-f]{2})+$/.test(m.hex)) throw new Error('hex is not lower-case hex of whole bytes');
      if (typeof m.note !== 'string' || !m.note) throw new Error('no note');
      const d = m.decode;
      if (typeof d?.as4 !== 'boolean' || !Array.isArray(d.addPath) || typeof d.extendedMessage !== 'boolean') {
        throw new Error('decode must be { as4: boolean, addPath: string[], extendedMessage: boolean }');
      }
      const b = Buffer.from(m.hex, 'hex');
      if (b.length < 19) throw new Error('shorter than a header');
      for (let k = 0; k < 16; k++) if (b[k] !== 0xff) throw new Error(`marker byte ${k} is not 0xff`);
      if (b.readUInt16BE(16) !== b.length) throw new Error(`length field ${b.readUInt16BE(16)} != ${b.length} bytes`);
      if (TYPE_CODES[m.type] !== b.readUInt8(18)) throw new Error(`type "${m.type}" but type code ${b.readUInt8(18)}`);
      const desc = describe(b, d); // parses the body, throws if malformed
      if (desc.type !== m.type) throw new Error(`type mismatch ${desc.type}`);
      if (m.type === 'UPDATE') {
        const u = parseUpdate(b, d);
        for (const fam of u.families) families.add(fam);
        if (u.endOfRib) eor.push(`${u.endOfRib} ${m.from}->${m.to}`);
      }
      maxLen = Math.max(maxLen, b.length);
      opts.add(`${m.from}->${m.to}: as4=${d.as4} addPath=[${d.addPath.join(',')}] ext=${d.extendedMessage}`);
      types[m.type] = (types[m.type] ?? 0) + 1;
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
  });
  const t = Object.entries(types).map(([k, v]) => `${v} ${k}`).join(', ');
  return `${f.name}: ${f.messages.length} msgs (${t}); families ${[...families].sort().join(',') || '-'}; EoR ${eor.length}; max ${maxLen} B; ${[...opts].sort().join(' | ')}`;
}

function main(): void {
  const dir = process.argv[2] ?? 'bgp/wire/fixtures/captured';
  const files = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  if (!files.length) throw new Error(`no fixtures in ${dir}`);
  let bad = 0;
  for (const n of files) {
    try {
      console.log(`ok   ${check(join(dir, n))}`);
    } catch (e) {
      bad++;
      console.log(`FAIL ${n}: ${(e as Error).message}`);
    }
  }
  console.log(`${files.length - bad} passed, ${bad} failed`);
  if (bad) process.exit(1);
}

main();
