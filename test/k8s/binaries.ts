// Builds (or reuses) the control-plane binaries from the wrapper Go modules in
// test/k8s/go/: etcd, kube-apiserver, kubectl and helm, at pinned versions.
// Binaries are cached outside the clone, keyed by component, version and a
// hash of the wrapper module and build recipe:
//   ${L3MESH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/l3mesh}/k8s-bin/<component>-<version>-<hash>/
// A build goes to a temp directory that is renamed into place; a lock file
// keeps two concurrent runs from building the same binary twice.
import { createHash, randomBytes } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pidAlive, sleep } from './processes.js';

export const KUBERNETES_VERSION = 'v1.34.4';
export const ETCD_VERSION = 'v3.6.5';
export const HELM_VERSION = 'v3.19.5';

export type Component = 'etcd' | 'kube-apiserver' | 'kubectl' | 'helm';
export const COMPONENTS: readonly Component[] = ['etcd', 'kube-apiserver', 'kubectl', 'helm'];

interface Recipe {
  version: string;
  module: string; // directory under test/k8s/go/
  pkg: string; // package to build, from inside the module
  ldflags: string[];
}

const goDir = join(dirname(fileURLToPath(import.meta.url)), 'go');

function kubeLdflags(): string[] {
  const [major, minor] = KUBERNETES_VERSION.slice(1).split('.');
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((p) => [
    `-X ${p}.gitVersion=${KUBERNETES_VERSION}`,
    `-X ${p}.gitMajor=${major}`,
    `-X ${p}.gitMinor=${minor}`,
    `-X ${p}.gitTreeState=clean`,
  ]);
}

const RECIPES: Record<Component, Recipe> = {
  etcd: { version: ETCD_VERSION, module: 'etcd', pkg: '.', ldflags: [] },
  'kube-apiserver': { version: KUBERNETES_VERSION, module: 'kubernetes', pkg: 'k8s.io/kubernetes/cmd/kube-apiserver', ldflags: kubeLdflags() },
  kubectl: { version: KUBERNETES_VERSION, module: 'kubernetes', pkg: 'k8s.io/kubernetes/cmd/kubectl', ldflags: kubeLdflags() },
  helm: {
    version: HELM_VERSION, module: 'helm', pkg: 'helm.sh/helm/v3/cmd/helm',
    ldflags: [
      `-X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}`,
      `-X helm.sh/helm/v3/internal/version.gitTreeState=clean`,
      ...['pkg/lint/rules', 'pkg/chartutil'].flatMap((p) => [
        `-X helm.sh/helm/v3/${p}.k8sVersionMajor=1`, `-X helm.sh/helm/v3/${p}.k8sVersionMinor=34`]),
    ],
  },
};

export function cacheRoot(): string {
  const base = process.env.L3MESH_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'l3mesh');
  return join(base, 'k8s-bin');
}

function ldflags(r: Recipe): string {
  return ['-s', '-w', ...r.ldflags].join(' ');
}

/** Hash of everything that decides the binary: the wrapper module's files and the recipe. */
function recipeHash(c: Component): string {
  const r = RECIPES[c];
  const h = createHash('sha256').update(JSON.stringify({ c, ...r, ldflags: ldflags(r) }));
  for (const f of ['go.mod', 'go.sum', 'main.go']) {
    const p = join(goDir, r.module, f);
    if (existsSync(p)) h.update(f).update(readFileSync(p));
  }
  return h.digest('hex').slice(0, 12);
}

export function binaryDir(c: Component): string {
  return join(cacheRoot(), `${c}-${RECIPES[c].version}-${recipeHash(c)}`);
}

export function binaryPath(c: Component): string {
  return join(binaryDir(c), c);
}

export interface BuildResult { component: Component; path: string; built: boolean; seconds: number }

/** The go command: $GO, then go on PATH, then /usr/local/go/bin/go. */
function findGo(): string {
  const candidates = [process.env.GO, 'go', '/usr/local/go/bin/go'].filter((x): x is string => !!x);
  for (const g of candidates) {
    if (spawnSync(g, ['version'], { stdio: 'ignore' }).status === 0) return g;
  }
  throw new Error(
    'Cannot build the Kubernetes test binaries: no Go toolchain found ($GO, go on PATH, /usr/local/go/bin/go).\n' +
      'Install Go >= 1.24 (the module proxy must be reachable), or put prebuilt binaries in ' + cacheRoot());
}

/** Takes the lock file (O_EXCL); a lock whose owner PID is gone is stale and removed. */
async function lock(path: string, what: string): Promise<() => void> {
  let told = false;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner = NaN;
    let age = 0;
    try { owner = Number(readFileSync(path, 'utf8')); age = Date.now() - statSync(path).mtimeMs; } catch { continue; /* vanished */ }
    const valid = Number.isInteger(owner) && owner > 0;
    // Stale: its owner is gone, or it never got a PID written (a crash right after creating it).
    if ((valid && !pidAlive(owner)) || (!valid && age > 10_000)) { rmSync(path, { force: true }); continue; }
    if (!told) { process.stderr.write(`[k8s] waiting for another run (pid ${owner}) to finish building ${what}\n`); told = true; }
    await sleep(1000);
  }
}

function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n');
}

function goBuild(go: string, c: Component, out: string, logPath: string): Promise<void> {
  const r = RECIPES[c];
  const args = ['build', '-trimpath', '-ldflags', ldflags(r), '-o', out, r.pkg];
  const env = {
    ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly -buildvcs=false', GOTOOLCHAIN: 'local', GOWORK: 'off',
  };
  return new Promise((resolve, reject) => {
    const log = openSync(logPath, 'w');
    const shown = args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ');
    writeSync(log, `$ (cd ${join(goDir, r.module)} && CGO_ENABLED=0 ${go} ${shown})\n`);
    const child = spawn(go, args, { cwd: join(goDir, r.module), env, stdio: ['ignore', log, log] });
    child.on('error', (e) => { closeSync(log); reject(e); });
    child.on('exit', (code, signal) => {
      closeSync(log);
      if (code === 0) return resolve();
      reject(new Error(
        `Building ${c} ${r.version} failed (go build exit ${code ?? signal}) in test/k8s/go/${r.module}.\n` +
          `Check that the Go module proxy is reachable (GOPROXY=${process.env.GOPROXY ?? 'default'}) and that ` +
          `Go (${go}) is >= 1.24. Build log ${logPath}, last lines:\n${tail(readFileSync(logPath, 'utf8'))}`));
    });
  });
}

/** Removes .tmp-<c>-<pid>-* build dirs whose builder is gone (a run killed mid-build). */
function removeAbandonedTemps(c: Component): void {
  for (const name of readdirSync(cacheRoot())) {
    const pid = Number(name.match(new RegExp(`^\\.tmp-${c}-(\\d+)-`))?.[1]);
    if (pid && !pidAlive(pid)) rmSync(join(cacheRoot(), name), { recursive: true, force: true });
  }
}

/** Returns the cached binary, building it first when it is not in the cache yet. */
export async function ensureBinary(c: Component): Promise<BuildResult> {
  const started = Date.now();
  const dir = binaryDir(c);
  const path = join(dir, c);
  const done = () => ({ component: c, path, seconds: (Date.now() - started) / 1000 });
  if (existsSync(path)) return { ...done(), built: false };
  mkdirSync(cacheRoot(), { recursive: true });
  const unlock = await lock(`${dir}.lock`, c);
  try {
    if (existsSync(path)) return { ...done(), built: false };
    removeAbandonedTemps(c);
    const go = findGo();
    const tmp = join(cacheRoot(), `.tmp-${c}-${process.pid}-${randomBytes(4).toString('hex')}`);
    const log = `${dir}.build.log`; // kept beside the cache entry when the build fails
    mkdirSync(tmp);
    try {
      process.stderr.write(`[k8s] building ${c} ${RECIPES[c].version}${c === 'kube-apiserver' ? ' (a few minutes when cold)' : ''}\n`);
      await goBuild(go, c, join(tmp, c), log);
      renameSync(log, join(tmp, 'build.log'));
      const goVersion = spawnSync(go, ['version'], { encoding: 'utf8' }).stdout.trim();
      const seconds = (Date.now() - started) / 1000;
      writeFileSync(join(tmp, 'build.json'), JSON.stringify({ component: c, ...RECIPES[c], goVersion, seconds, at: new Date().toISOString() }, null, 2));
      if (!existsSync(path)) { // else another run won a race on a stale lock: keep its binary
        rmSync(dir, { recursive: true, force: true });
        renameSync(tmp, dir);
      }
      process.stderr.write(`[k8s] built ${c} in ${seconds.toFixed(0)} s\n`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    return { ...done(), built: true };
  } finally {
    unlock();
  }
}

/** Builds or reuses every component, one at a time (a go build already uses every core). */
export async function ensureAll(components: readonly Component[] = COMPONENTS): Promise<Record<Component, string>> {
  const paths = {} as Record<Component, string>;
  for (const c of components) paths[c] = (await ensureBinary(c)).path;
  return paths;
}
