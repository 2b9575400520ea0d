// The CNI server's one way to run commands (iproute2, nsenter): argv in,
// exit status and output back, no shell. Injected so that unit tests record
// the commands instead of running them and netns tests can prefix
// `ip -n <node>` to treat a test namespace as the host.
import { spawn } from 'node:child_process';

export interface ExecResult { code: number; stdout: string; stderr: string }

export interface Exec {
  /** Runs argv; `input` goes to stdin. Never rejects for a non-zero exit (only when argv[0] cannot start). */
  run(argv: readonly string[], input?: string): Promise<ExecResult>;
}

export class ExecError extends Error {
  constructor(readonly argv: readonly string[], readonly result: ExecResult, input?: string) {
    const what = input ? `${argv.join(' ')} <<< ${JSON.stringify(input.trim().split('\n'))}` : argv.join(' ');
    super(`${what}: exit ${result.code}: ${(result.stderr || result.stdout).trim() || 'no output'}`);
  }
}

export const processExec: Exec = {
  run(argv, input) {
    return new Promise((resolve, reject) => {
      const [cmd, ...rest] = argv;
      if (cmd === undefined) { reject(new Error('empty command')); return; }
      const child = spawn(cmd, rest, { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '', stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
      child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
      child.on('error', (e) => reject(new Error(`cannot run ${cmd}: ${e.message}`, { cause: e })));
      child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
      child.stdin.on('error', () => { /* the command exited early; its status tells */ });
      child.stdin.end(input ?? '');
    });
  },
};

/** Runs argv and returns stdout; throws ExecError on a non-zero exit. */
export async function mustRun(exec: Exec, argv: readonly string[], input?: string): Promise<string> {
  const r = await exec.run(argv, input);
  if (r.code !== 0) throw new ExecError(argv, r, input);
  return r.stdout;
}
