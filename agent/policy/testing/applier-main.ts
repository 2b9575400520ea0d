// The policy driver as a separate process, for the kill -9 tests: applies the
// models given as JSON files into a namespace (exec prefixed with `ip netns
// exec <ns>`), one after the other, forever with --loop. --in-sync marks the
// datastore in sync first (so stale chains and sets are deleted). Prints
// "applied <n> <ms>" after each apply.
import { readFileSync } from 'node:fs';
import { PolicyDriver } from '../driver.js';
import { commandExec } from '../exec.js';
import type { PolicyModel } from '../model.js';

const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith('--')));
const [ns, ...files] = args.filter((a) => !a.startsWith('--'));
if (!ns || files.length === 0) {
  console.error('usage: applier-main.ts <netns> <model.json>... [--in-sync] [--loop]');
  process.exit(2);
}
const models = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as PolicyModel);
const driver = new PolicyDriver({ exec: commandExec(['ip', 'netns', 'exec', ns]) });
if (flags.has('--in-sync')) driver.markInSync();
let n = 0;
do {
  for (const m of models) {
    driver.setModel(m);
    const r = await driver.apply();
    console.log(`applied ${++n} ${r.ms.toFixed(1)}`);
  }
} while (flags.has('--loop'));
