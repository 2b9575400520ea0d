// `npm run demo`: the one-machine pure-L3 cluster lab (demo/README.md).
// Plain JavaScript on purpose (runs before node_modules exists): checks that
// this is Linux and that we are root (network namespaces), installs the npm
// dependencies (bootstrap.mjs) and the Debian packages the lab needs
// (apt-get, only what is missing), then runs demo/main.ts through tsx in this
// same process, so Ctrl-C / SIGTERM reach the lab's teardown directly.
import { spawnSync } from 'node:child_process';
import { checkNode, ensureNpmDeps, root } from './bootstrap.mjs';

// package → a command that proves it is there
const PACKAGES = { bird2: 'bird', iproute2: 'ip', iptables: 'iptables', ipset: 'ipset', 'iputils-ping': 'ping' };
const args = process.argv.slice(2);
const down = args.includes('down');

function fail(lines) {
  console.error(lines.join('\n'));
  process.exit(1);
}

if (process.platform !== 'linux') {
  fail([`The demo needs Linux (network namespaces, veth pairs, iptables); this is ${process.platform}.`,
    'Run it on a Linux machine or VM, as root: sudo npm run demo']);
}
if (process.getuid?.() !== 0) {
  fail(['The demo needs root: it creates network namespaces, veth pairs, routes and iptables rules (all inside its own namespaces).',
    'Run it as root: sudo npm run demo']);
}
checkNode();
ensureNpmDeps();

function missingPackages() {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${Package} ${db:Status-Status}\n', ...Object.keys(PACKAGES)], { encoding: 'utf8' });
  if (r.error) {
    // not a Debian system: check the commands instead
    return Object.entries(PACKAGES).filter(([, cmd]) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0).map(([p]) => p);
  }
  const installed = new Set(r.stdout.split('\n').filter((l) => l.endsWith(' installed')).map((l) => l.split(' ')[0]));
  return Object.keys(PACKAGES).filter((p) => !installed.has(p));
}

if (!down) {
  const missing = missingPackages();
  if (missing.length) {
    const hasApt = spawnSync('sh', ['-c', 'command -v apt-get']).status === 0;
    if (!hasApt) fail([`The demo needs these packages (or their equivalents): ${missing.join(' ')}`, 'Install them with your package manager, then run the demo again.']);
    console.log(`• installing ${missing.join(' ')} (apt-get)`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const opts = { stdio: 'inherit', env };
    if (spawnSync('apt-get', ['update', '-qq'], opts).status !== 0 || spawnSync('apt-get', ['install', '-y', '-qq', ...missing], opts).status !== 0) {
      fail([`apt-get could not install ${missing.join(' ')}; install them by hand:`, `  apt-get install -y ${missing.join(' ')}`]);
    }
    const still = missingPackages();
    if (still.length) fail([`still missing after apt-get install: ${still.join(' ')}`]);
  }
}

const { register } = await import('tsx/esm/api');
register();
process.chdir(root);
await import(new URL('../demo/main.ts', import.meta.url).href);
