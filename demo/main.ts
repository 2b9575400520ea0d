// `npm run demo` (scripts/demo.mjs bootstraps, then imports this file): the
// one-machine pure-L3 cluster lab. Arguments:
//   [up]                 build the lab, show it working, remove it (default)
//   down                 remove a lab left running by --keep
//   --keep               leave the lab running and print how to explore it
//   --nodes N            cluster size (2..16, default 4)
//   --tor rr|nodes       the ToR's eBGP sessions: to the two reflectors (default) or to every node
//   --json               also print the results as one JSON object on the last line
// Exit status 0 when every check passed (sessions, routes, policy matrix), 1 otherwise.
import { MAX_NODES, MIN_NODES, type TorPeering } from './plan.js';
import { runDemo } from './run.js';
import { keptLab, removeKeptLab } from './state.js';

const USAGE = `usage: npm run demo -- [up|down] [--keep] [--nodes N] [--tor rr|nodes] [--json]`;

interface Args { command: 'up' | 'down'; keep: boolean; nodes: number; tor: TorPeering; json: boolean }

function parseArgs(argv: string[]): Args {
  const a: Args = { command: 'up', keep: false, nodes: 4, tor: 'rr', json: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    if (x === 'up' || x === 'down') a.command = x;
    else if (x === '--keep') a.keep = true;
    else if (x === '--json') a.json = true;
    else if (x === '--nodes') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < MIN_NODES || n > MAX_NODES) throw new Error(`--nodes must be an integer ${MIN_NODES}..${MAX_NODES}`);
      a.nodes = n;
    } else if (x === '--tor') {
      const t = argv[++i];
      if (t !== 'rr' && t !== 'nodes') throw new Error('--tor must be rr (eBGP to the reflectors) or nodes (eBGP to every node)');
      a.tor = t;
    } else if (x === '-h' || x === '--help') { console.log(USAGE); process.exit(0); }
    else throw new Error(`unknown argument ${x}\n${USAGE}`);
  }
  return a;
}

async function main(): Promise<number> {
  let args: Args;
  try { args = parseArgs(process.argv.slice(2)); } catch (e) { console.error((e as Error).message); return 2; }
  if (args.command === 'down' || keptLab()) {
    const gone = removeKeptLab();
    if (args.command === 'down') {
      console.log(gone ? `removed demo lab ${gone.prefix.slice(0, -1)}: ${gone.processes} processes, ${gone.namespaces} namespaces` : 'no demo lab is running');
      return 0;
    }
    if (gone) console.log(`removed the demo lab left running before (${gone.prefix.slice(0, -1)})`);
  }
  const result = await runDemo({ nodes: args.nodes, tor: args.tor, keep: args.keep, out: (l) => console.log(l) });
  console.log(result.ok ? '\n✓ demo passed: sessions Established, routes as expected, policy enforced' : '\n✗ demo found problems (see above)');
  if (args.json) console.log(JSON.stringify(result));
  return result.ok ? 0 : 1;
}

// exit explicitly: a kept lab's daemons must not hold the demo process open (stdout to a pipe or file is synchronous on Linux)
main().then((code) => process.exit(code), (e: Error) => {
  console.error(`\ndemo failed: ${e.stack ?? e.message}`);
  process.exit(1);
});
