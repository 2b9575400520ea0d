// The one way the policy driver reaches the kernel: running iptables-save,
// iptables-restore, ipset and friends. An Exec is injected, so unit tests use
// a fake and namespace tests prefix every command with
// ['ip', 'netns', 'exec', <ns>]. No shell: argv goes to execFile as is.
import { execFile } from 'node:child_process';

export interface ExecResult { code: number; stdout: string; stderr: string }
/** Runs argv (stdin = input); resolves with the exit status, never rejects for a non-zero status. */
export type Exec = (argv: string[], input?: string) => Promise<ExecResult>;

export class ExecError extends Error {
  constructor(readonly argv: string[], readonly result: ExecResult) {
    super(`${argv.join(' ')} failed (exit ${result.code}): ${(result.stderr || result.stdout).trim().slice(0, 2000)}`);
  }
}

/** Exec through child_process, with an optional argv prefix (e.g. ['ip', 'netns', 'exec', ns]). */
export function commandExec(prefix: string[] = [], timeoutMs = 60_000): Exec {
  return (argv, input) => new Promise((resolve) => {
    const full = [...prefix, ...argv];
    const child = execFile(full[0] as string, full.slice(1), { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
        const code = e === null ? 0 : typeof e.code === 'number' ? e.code : -1;
        resolve({ code, stdout, stderr: code === -1 && e ? `${stderr}${e.message}` : stderr });
      });
    child.stdin?.on('error', () => { /* the command exited before reading its input: reported by its status */ });
    child.stdin?.end(input ?? '');
  });
}

/** Runs and throws ExecError on a non-zero status; resolves to stdout. */
export async function must(exec: Exec, argv: string[], input?: string): Promise<string> {
  const r = await exec(argv, input);
  if (r.code !== 0) throw new ExecError(argv, r);
  return r.stdout;
}
