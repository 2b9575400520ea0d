// Running commands for the namespace test hosts: async and sync variants of
// "run argv, return stdout, throw a readable error with the exit status and
// stderr on failure". No shell is involved: argv goes to execFile as is.
import { execFile, execFileSync } from 'node:child_process';

export interface RunOptions {
  /** kill the command after this long (default 60 s) */
  timeoutMs?: number;
  /** return stdout even when the exit status is not 0 */
  allowFail?: boolean;
  env?: NodeJS.ProcessEnv;
  input?: string;
}

export interface RunResult { code: number; stdout: string; stderr: string }

export class CommandError extends Error {
  constructor(readonly argv: string[], readonly result: RunResult) {
    super(`command failed (exit ${result.code}): ${argv.join(' ')}\n${(result.stderr || result.stdout).trim()}`);
  }
}

const MAX_BUFFER = 512 * 1024 * 1024;

/** Runs argv[0] with the rest as arguments; resolves to stdout. */
export async function run(argv: string[], opts: RunOptions = {}): Promise<string> {
  return (await runFull(argv, opts)).stdout;
}

export function runFull(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('run: empty argv');
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: MAX_BUFFER, env: opts.env, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
        const code = e === null ? 0 : typeof e.code === 'number' ? e.code : -1;
        const res = { code, stdout, stderr: e && code === -1 ? `${stderr}${e.message}` : stderr };
        if (code !== 0 && !opts.allowFail) reject(new CommandError(argv, res));
        else resolve(res);
      });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Synchronous variant, for exit handlers and teardown. */
export function runSync(argv: string[], opts: RunOptions = {}): string {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('runSync: empty argv');
  try {
    return execFileSync(cmd, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: MAX_BUFFER, env: opts.env, encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'], input: opts.input });
  } catch (err) {
    const e = err as { status?: number | null; stdout?: string; stderr?: string; message: string };
    const res = { code: e.status ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
    if (opts.allowFail) return res.stdout;
    throw new CommandError(argv, res);
  }
}

/** argv prefix that runs a command inside a named network namespace. */
export const inNetns = (ns: string, argv: string[]): string[] => ['ip', 'netns', 'exec', ns, ...argv];
