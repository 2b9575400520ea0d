// Builds the CNI plugin (cni/plugin.ts) into one self-contained executable —
// Node's single executable application (SEA): the plugin transpiled to one
// CommonJS file (it uses only Node built-ins), a SEA blob of it, injected
// into a copy of this node binary with postject. The result runs on a host
// without Node.js; the chart's install step copies it to /opt/cni/bin/l3mesh.
//   node cni/build.mjs [out-file]     default dist/cni/l3mesh
// Also importable: buildCniPlugin(out) returns the path. Rebuilds only when
// plugin.ts, this script or the node binary changed.
import { execFileSync } from 'node:child_process';
import { copyFileSync, chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SOURCE = join(root, 'cni', 'plugin.ts');
export const DEFAULT_OUT = join(root, 'dist', 'cni', 'l3mesh');
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

function newer(out, inputs) {
  if (!existsSync(out)) return false;
  const t = statSync(out).mtimeMs;
  return inputs.every((f) => statSync(f).mtimeMs <= t);
}

export function buildCniPlugin(out = DEFAULT_OUT) {
  const self = fileURLToPath(import.meta.url);
  if (newer(out, [SOURCE, self, process.execPath])) return out;
  const work = join(root, '.cache', 'cni-build');
  mkdirSync(work, { recursive: true });
  mkdirSync(dirname(out), { recursive: true });
  const require = createRequire(import.meta.url);
  const ts = require('typescript');
  const js = ts.transpileModule(readFileSync(SOURCE, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText;
  const main = join(work, 'l3mesh-cni-plugin.cjs');
  writeFileSync(main, js);
  const blob = join(work, 'plugin.blob');
  writeFileSync(join(work, 'sea-config.json'), JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: false }));
  execFileSync(process.execPath, ['--experimental-sea-config', join(work, 'sea-config.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const tmp = `${out}.tmp`;
  copyFileSync(process.execPath, tmp);
  chmodSync(tmp, 0o755);
  const postject = join(dirname(require.resolve('postject/package.json')), 'dist', 'cli.js');
  try {
    execFileSync(process.execPath, [postject, tmp, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`postject could not inject the plugin into ${tmp}: ${e.stderr?.toString() ?? e.message}`);
  }
  execFileSync('mv', ['-f', tmp, out]);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = buildCniPlugin(process.argv[2] ? resolve(process.argv[2]) : DEFAULT_OUT);
  console.log(out);
}
