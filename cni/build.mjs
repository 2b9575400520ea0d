// Builds the CNI plugin: the static shim cni/shim/l3mesh-cni.c into one
// self-contained executable (no Node.js, no shared libraries) that the
// chart's install step copies to /opt/cni/bin/l3mesh.
//   node cni/build.mjs [out-file]     default dist/cni/l3mesh
// Also importable: buildCniPlugin(out) returns the path. Needs a C compiler
// and a static libc (Debian: gcc + libc6-dev); fails naming what is missing.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SOURCE = join(root, 'cni', 'shim', 'l3mesh-cni.c');
export const DEFAULT_OUT = join(root, 'dist', 'cni', 'l3mesh');

export function buildCniPlugin(out = DEFAULT_OUT) {
  const cc = process.env.CC ?? 'cc';
  mkdirSync(dirname(out), { recursive: true });
  const argv = ['-std=c11', '-Os', '-static', '-s', '-Wall', '-Wextra', '-Werror', '-o', out, SOURCE];
  try {
    execFileSync(cc, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    if (e.code === 'ENOENT') throw new Error(`building the CNI plugin needs a C compiler (${cc}); on Debian: apt-get install gcc libc6-dev`);
    throw new Error(`${cc} ${argv.join(' ')} failed:\n${e.stderr?.toString() ?? e.message}`);
  }
  if (!existsSync(out)) throw new Error(`${cc} reported success but ${out} is missing`);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = buildCniPlugin(process.argv[2] ? resolve(process.argv[2]) : DEFAULT_OUT);
  console.log(out);
}
