// vitest globalSetup of the `interop` project: makes sure the real peers and
// tools are installed (Debian packages bird2 frr gobgpd tcpdump iproute2
// iptables ipset iputils-ping containernetworking-plugins traceroute),
// installing the missing ones with apt-get (as root, `apt-get update` first,
// only when something is missing), then checks that each tool runs and that
// we may create network namespaces. Any problem fails the run with the
// reason: interop suites never skip silently. Also sweeps namespaces and
// processes left by crashed earlier runs (only those whose owner is dead).
import { run, runFull, sweepStale } from '../netns/index.js';

const PACKAGES = ['bird2', 'frr', 'gobgpd', 'tcpdump', 'iproute2', 'iptables', 'ipset', 'iputils-ping', 'containernetworking-plugins', 'traceroute'];

const TOOLS: { what: string; argv: string[]; expect: RegExp }[] = [
  { what: 'BIRD', argv: ['bird', '--version'], expect: /BIRD version 2\./ },
  { what: 'birdc', argv: ['birdc', '-v', '-s', '/nonexistent', 'show', 'status'], expect: /control socket/ },
  { what: 'FRR bgpd', argv: ['/usr/lib/frr/bgpd', '--version'], expect: /bgpd version/ },
  { what: 'FRR zebra', argv: ['/usr/lib/frr/zebra', '--version'], expect: /zebra version/ },
  { what: 'vtysh', argv: ['vtysh', '--help'], expect: /Usage ?: vtysh/ },
  { what: 'gobgpd', argv: ['gobgpd', '--version'], expect: /gobgpd version/ },
  { what: 'gobgp', argv: ['gobgp', '--version'], expect: /gobgp version/ },
  { what: 'tcpdump', argv: ['tcpdump', '--version'], expect: /tcpdump version/ },
  { what: 'iproute2', argv: ['ip', '-V'], expect: /iproute2|ip utility/ },
  { what: 'iptables', argv: ['iptables', '--version'], expect: /iptables v1\./ },
  { what: 'ipset', argv: ['ipset', 'version'], expect: /ipset v\d/ },
];

async function missingPackages(): Promise<string[]> {
  const r = await runFull(['dpkg-query', '-W', '-f', '${Package} ${db:Status-Status}\n', ...PACKAGES], { allowFail: true });
  const installed = new Set(r.stdout.split('\n').filter((l) => l.endsWith(' installed')).map((l) => l.split(' ')[0]));
  return PACKAGES.filter((p) => !installed.has(p));
}

async function install(missing: string[]): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new Error(`interop tests: Debian packages missing: ${missing.join(' ')}; run as root so they can be installed ` +
      `(or install them: apt-get install -y ${missing.join(' ')})`);
  }
  process.stderr.write(`[interop] installing ${missing.join(' ')} with apt-get\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await run(['apt-get', 'update', '-qq'], { env, timeoutMs: 600_000 });
    await run(['apt-get', 'install', '-y', '-qq', ...missing], { env, timeoutMs: 1_200_000 });
  } catch (e) {
    throw new Error(`interop tests: cannot install ${missing.join(' ')}: ${(e as Error).message}`, { cause: e });
  }
  const still = await missingPackages();
  if (still.length) throw new Error(`interop tests: still missing after apt-get install: ${still.join(' ')}`);
}

async function checkTools(): Promise<string[]> {
  const versions: string[] = [];
  for (const t of TOOLS) {
    const r = await runFull(t.argv, { allowFail: true, timeoutMs: 20_000 });
    const out = `${r.stdout}${r.stderr}`;
    if (!t.expect.test(out)) throw new Error(`interop tests: ${t.what} does not run: ${t.argv.join(' ')} printed ${JSON.stringify(out.slice(0, 300))}`);
    versions.push(`${t.what}: ${out.trim().split('\n')[0]}`);
  }
  return versions;
}

export default async function setup(): Promise<void> {
  if (process.platform !== 'linux') throw new Error('interop tests need Linux (network namespaces)');
  const missing = await missingPackages();
  if (missing.length) await install(missing);
  const versions = await checkTools();
  if (process.getuid?.() !== 0) throw new Error('interop tests need root: they create network namespaces (ip netns add)');
  const cleaned = sweepStale();
  if (cleaned.length) process.stderr.write(`[interop] cleaned leftovers of crashed runs: ${cleaned.join(' ')}\n`);
  process.stderr.write(`[interop] ${versions.filter((v) => /BIRD|bgpd|gobgpd/.test(v)).join('; ')}\n`);
}
