// Bootstrap for `npm test`: make a fresh machine able to run the project.
// Plain JavaScript on purpose: it runs before node_modules (and so TypeScript tooling) exists. Idempotent: every step
// checks first and only installs what is missing.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname;

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  return r.status ?? 1;
}

export function mustRun(cmd, args, opts = {}) {
  const status = run(cmd, args, opts);
  if (status !== 0) {
    console.error(`\n✗ ${cmd} ${args.join(' ')} failed (exit ${status})`);
    process.exit(status);
  }
}

export function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    console.error(`Node.js >= 20.19 is required (this is ${process.versions.node}).`);
    process.exit(1);
  }
}

/** npm ci when node_modules is missing or was installed from another lock file. */
export function ensureNpmDeps() {
  const lock = readFileSync(join(root, 'package-lock.json'));
  const want = createHash('sha256').update(lock).digest('hex');
  const stamp = join(root, 'node_modules', '.l3mesh-lock.sha256');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  console.log('• installing npm dependencies (npm ci)');
  mustRun('npm', ['ci', '--no-audit', '--no-fund']);
  writeFileSync(stamp, want);
}
