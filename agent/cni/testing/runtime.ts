// A tiny container runtime for tests and the benchmark: runs CNI plugins the
// way libcni does (CNI spec 1.1 §"Execution protocol", §"Network
// configuration lists"): the CNI_* variables in the environment, the plugin's
// configuration on stdin (cniVersion and name from the list, runtimeConfig
// only for declared capabilities, prevResult from the plugin before it), the
// plugin found in CNI_PATH. ADD runs the list in order, DEL in reverse with
// the cached result as prevResult, CHECK in order with it. Optional `wrap`
// runs each plugin inside a namespace (['ip', 'netns', 'exec', '<node>']),
// since the "host" of a test is a namespace.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface PluginRun { code: number; stdout: string; stderr: string; json?: Record<string, unknown> }

export interface InvokeOptions {
  /** directories searched for the plugin binary (CNI_PATH) */
  cniPath: string[];
  command: string;
  containerId?: string;
  netns?: string;
  ifname?: string;
  args?: string;
  /** argv prefix, e.g. ['ip', 'netns', 'exec', node] */
  wrap?: string[];
  /** replaces the whole environment (tests of missing variables) */
  env?: Record<string, string>;
}

export function findPlugin(type: string, cniPath: string[]): string {
  for (const d of cniPath) if (existsSync(join(d, type))) return join(d, type);
  throw new Error(`plugin ${type} not found in ${cniPath.join(':')}`);
}

/** Runs one plugin binary with `stdin` as its configuration. */
export function invokePlugin(binary: string, stdin: string, o: InvokeOptions): Promise<PluginRun> {
  const env: Record<string, string> = o.env ?? {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: o.command,
    CNI_PATH: o.cniPath.join(':'),
    ...(o.containerId !== undefined ? { CNI_CONTAINERID: o.containerId } : {}),
    ...(o.netns !== undefined ? { CNI_NETNS: o.netns } : {}),
    ...(o.ifname !== undefined ? { CNI_IFNAME: o.ifname } : {}),
    ...(o.args !== undefined ? { CNI_ARGS: o.args } : {}),
  };
  const argv = [...(o.wrap ?? []), binary];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      const r: PluginRun = { code: code ?? 1, stdout, stderr };
      const text = stdout.trim();
      if (text) { try { r.json = JSON.parse(text) as Record<string, unknown>; } catch { /* left to the caller */ } }
      resolve(r);
    });
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
  });
}

export interface ConfList { cniVersion: string; name: string; plugins: Record<string, unknown>[] }

/** Runs a configuration list; resolves to the last plugin's result (ADD) or throws naming the failing plugin. */
export async function runList(list: ConfList, o: InvokeOptions & { runtimeConfig?: Record<string, unknown>; cachedResult?: Record<string, unknown> }):
  Promise<Record<string, unknown> | undefined> {
  const order = o.command === 'DEL' ? [...list.plugins].reverse() : list.plugins;
  let prev: Record<string, unknown> | undefined = o.command === 'ADD' ? undefined : o.cachedResult;
  for (const p of order) {
    const conf: Record<string, unknown> = { ...p, cniVersion: list.cniVersion, name: list.name };
    const caps = (p.capabilities ?? {}) as Record<string, boolean>;
    const rc = Object.fromEntries(Object.entries(o.runtimeConfig ?? {}).filter(([k]) => caps[k]));
    if (Object.keys(rc).length) conf.runtimeConfig = rc;
    if (prev) conf.prevResult = prev;
    const type = String(p.type);
    const r = await invokePlugin(findPlugin(type, o.cniPath), JSON.stringify(conf), o);
    if (r.code !== 0) throw new Error(`${o.command} ${type} exited ${r.code}: ${r.stdout.trim()} ${r.stderr.trim()}`);
    if (o.command === 'ADD') {
      if (!r.json) throw new Error(`ADD ${type} printed no result: ${r.stdout} ${r.stderr}`);
      prev = r.json;
    }
  }
  return o.command === 'ADD' ? prev : undefined;
}
