// The gRPC contracts' build step (proto/, buf from npm, ts-proto as a LOCAL
// plugin — no remote plugins, no network):
//   node scripts/proto.mjs gen     regenerate proto/gen/ (npm run proto:gen)
//   node scripts/proto.mjs check   buf lint + fail if proto/gen/ is stale
// `npm test` runs `check`. proto/gen/ is generated output: never edit it.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { mustRun, root } from './bootstrap.mjs';

const protoDir = join(root, 'proto');
const buf = join(root, 'node_modules', '.bin', 'buf');

function files(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

const mode = process.argv[2] ?? 'check';
if (mode === 'gen') {
  rmSync(join(protoDir, 'gen'), { recursive: true, force: true });
  mustRun(buf, ['generate'], { cwd: protoDir });
} else if (mode === 'check') {
  mustRun(buf, ['lint'], { cwd: protoDir });
  const out = mkdtempSync(join(tmpdir(), 'l3mesh-proto-'));
  try {
    mustRun(buf, ['generate', '--output', out], { cwd: protoDir });
    const want = new Map(files(join(out, 'gen')).map((f) => [relative(join(out, 'gen'), f), readFileSync(f, 'utf8')]));
    const have = new Map(files(join(protoDir, 'gen')).map((f) => [relative(join(protoDir, 'gen'), f), readFileSync(f, 'utf8')]));
    const stale = [...new Set([...want.keys(), ...have.keys()])].filter((k) => want.get(k) !== have.get(k));
    if (stale.length) {
      console.error(`✗ proto/gen is out of date (${stale.join(', ')}): run \`npm run proto:gen\` and commit the result`);
      process.exit(1);
    }
    console.log(`  proto/gen up to date (${want.size} files)`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
} else {
  console.error('usage: node scripts/proto.mjs gen|check');
  process.exit(2);
}
