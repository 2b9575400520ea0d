// Small process and HTTP helpers for the test control plane: free loopback
// ports, spawning a binary with its output in a log file, stopping a process
// by PID (SIGTERM, then SIGKILL), polling an HTTP(S) endpoint, log tails.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Distinct free TCP ports on 127.0.0.1 (all held open together, then released). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = net.createServer();
      servers.push(s);
      await new Promise<void>((resolve, reject) => { s.once('error', reject); s.listen(0, '127.0.0.1', resolve); });
      ports.push((s.address() as net.AddressInfo).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

export interface Proc { name: string; pid: number; log: string; exited: () => string | undefined }

/** Starts bin with stdout and stderr appended to log. detached: survives our exit (CLI `up`). */
export function startProcess(name: string, bin: string, args: string[], log: string, detached = false): Proc {
  const fd = openSync(log, 'a');
  const child = spawn(bin, args, { stdio: ['ignore', fd, fd], detached });
  closeSync(fd);
  let status: string | undefined;
  child.on('error', (e) => { status = e.message; });
  child.on('exit', (code, signal) => { status = `exited with ${code ?? signal}`; });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${bin}`);
  if (detached) child.unref();
  return { name, pid: child.pid, log, exited: () => status };
}

/** Alive and not a zombie (a zombie's /proc stat state is Z). */
export function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false; }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return existsSync(`/proc/${pid}`);
  }
}

/** Whether pid still runs the binary we started (guards against PID reuse). */
export function pidRuns(pid: number, bin: string): boolean {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === bin; } catch { return false; }
}

/** SIGTERM, up to graceMs for it to exit, then SIGKILL. By PID only. */
export async function stopPid(pid: number, graceMs = 10_000): Promise<void> {
  const signal = (s: NodeJS.Signals) => { try { process.kill(pid, s); } catch { /* already gone */ } };
  if (!pidAlive(pid)) return;
  signal('SIGTERM');
  for (const deadline = Date.now() + graceMs; Date.now() < deadline; await sleep(50)) if (!pidAlive(pid)) return;
  signal('SIGKILL');
  for (const deadline = Date.now() + 5_000; Date.now() < deadline; await sleep(50)) if (!pidAlive(pid)) return;
}

export function logTail(path: string, lines = 40): string {
  try { return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n'); } catch { return '(no log)'; }
}

export interface Reply { status: number; body: string }

/** GET over http or https (server cert not checked unless ca is given), 3 s timeout. */
export function get(url: string, headers: Record<string, string> = {}, ca?: string): Promise<Reply> {
  const mod = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.get(url, { headers, timeout: 3000, ...(url.startsWith('https:') ? { ca, rejectUnauthorized: !!ca } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Polls check() until it returns true; fails early when proc exits, with its log tail. */
export async function waitFor(what: string, check: () => Promise<boolean>, proc: Proc, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const gone = proc.exited();
    if (gone !== undefined) throw new Error(`${proc.name} ${gone} before ${what}. Last lines of ${proc.log}:\n${logTail(proc.log)}`);
    try { if (await check()) return; } catch (e) { last = (e as Error).message; }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last error: ${last})` : ''}. ` +
        `Last lines of ${proc.log}:\n${logTail(proc.log)}`);
    }
    await sleep(100);
  }
}
