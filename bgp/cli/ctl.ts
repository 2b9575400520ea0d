// ctl entry point (bin/ctl.js): runs bgp/cli/main.ts with the process's
// arguments, streams and environment.
import { run } from './main.js';

run(process.argv.slice(2), { out: (s) => console.log(s), err: (s) => console.error(s), env: process.env })
  .then((code) => { process.exitCode = code; })
  .catch((e: Error) => {
    console.error(`ctl: ${e.stack ?? e.message}`);
    process.exitCode = 1;
  });
