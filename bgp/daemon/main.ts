// bgpd: the BGP speaker daemon (one per node).
//   bgpd --config /etc/l3mesh/bgpd.yaml [--check]
// The gRPC API (bgp/api, config `api:`) serves on a unix socket (0660); the
// line-protocol `control:` socket stays for the test harness. Process
// handling (reload on SIGHUP, shutdown on SIGTERM) is in run.ts.

import { runDaemon } from './run.js';

runDaemon({ name: 'bgpd' }, process.argv.slice(2)).catch((e: Error) => {
  console.error(`bgpd: ${e.message}`);
  process.exit(1);
});
