// CLI for the test control plane:
//   npx tsx test/k8s/cli.ts build   build or reuse etcd, kube-apiserver, kubectl, helm; print paths and times
//   npx tsx test/k8s/cli.ts up      start etcd + kube-apiserver in the background, print the kubeconfig
//   npx tsx test/k8s/cli.ts down    stop what `up` started (by PID) and remove its temp dir
// `up` records its PIDs and dir in <cache>/k8s-up.json; `down` reads it back.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { COMPONENTS, cacheRoot, ensureBinary } from './binaries.js';
import { startControlPlane, stopAll } from './control-plane.js';
import { pidAlive, pidRuns } from './processes.js';

interface UpState { dir: string; kubeconfig: string; server: string; procs: { pid: number; bin: string }[] }

const stateFile = () => join(dirname(cacheRoot()), 'k8s-up.json');

function readState(): UpState | undefined {
  return existsSync(stateFile()) ? (JSON.parse(readFileSync(stateFile(), 'utf8')) as UpState) : undefined;
}

async function build(): Promise<void> {
  for (const c of COMPONENTS) {
    const r = await ensureBinary(c);
    console.log(`${c.padEnd(15)} ${r.built ? 'built ' : 'cached'} ${r.seconds.toFixed(1).padStart(7)} s  ${r.path}`);
  }
}

async function up(): Promise<void> {
  const old = readState();
  if (old?.procs.some((p) => pidRuns(p.pid, p.bin))) {
    throw new Error(`a control plane from \`up\` is still running (${old.server}); run \`down\` first`);
  }
  const t0 = Date.now();
  const cp = await startControlPlane({ detached: true });
  const state: UpState = {
    dir: cp.dir, kubeconfig: cp.kubeconfig, server: cp.server,
    procs: [{ pid: cp.pids.apiserver, bin: cp.binaries.apiserver }, { pid: cp.pids.etcd, bin: cp.binaries.etcd }],
  };
  writeFileSync(stateFile(), JSON.stringify(state, null, 2));
  console.log(`control plane ready in ${((Date.now() - t0) / 1000).toFixed(1)} s at ${cp.server} (logs in ${cp.dir})`);
  console.log(`export KUBECONFIG=${cp.kubeconfig}`);
}

async function down(): Promise<void> {
  const state = readState();
  if (!state) { console.log('nothing to stop (no state file)'); return; }
  // Only PIDs that still run the binary we started: a PID may have been reused since.
  const pids = state.procs.filter((p) => pidAlive(p.pid) && pidRuns(p.pid, p.bin)).map((p) => p.pid);
  await stopAll(pids, state.dir);
  rmSync(stateFile(), { force: true });
  console.log(`stopped ${pids.length} process(es), removed ${state.dir}`);
}

const commands: Record<string, () => Promise<void>> = { build, up, down };
const cmd = commands[process.argv[2] ?? ''];
if (!cmd) {
  console.error('usage: npx tsx test/k8s/cli.ts build|up|down');
  process.exit(2);
}
cmd().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
