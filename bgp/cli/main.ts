// ctl: the command-line client of bgpd's gRPC API (bgp.v1).
//   ctl node status
//   ctl bgp peers [NAME]
//   ctl bgp peer enable|disable|reset|delete NAME [--message TEXT]
//   ctl bgp routes [PREFIX] [--peer P] [--table adj-in|loc|adj-out] [--family ipv4|ipv6] [--all]
//   ctl bgp originate PREFIX [--community C]... [--large-community C]... [--med N] [--local-pref N] [--next-hop A]
//   ctl bgp withdraw PREFIX
// Global flags: -o table|wide|json|yaml, --socket PATH (default
// $L3MESH_BGPD_SOCKET or /run/l3mesh/bgpd.sock; host:port for TCP).
// run() is the whole program without process globals, so tests call it.

import { accessSync, constants, existsSync } from 'node:fs';
import { connectApi, GrpcStatus, type ServiceError } from '../api/index.js';
import { bgpPeers, bgpRoutes, CliError, nodeStatus, originate, peerAction, withdraw, type Ctx } from './commands.js';
import type { OutputFormat } from './render.js';

export const DEFAULT_SOCKET = '/run/l3mesh/bgpd.sock';

export const USAGE = `usage: ctl [-o table|wide|json|yaml] [--socket PATH] COMMAND
  node status                         peers in a calicoctl-style table (IPv4, IPv6)
  bgp peers [NAME]                    peers with state and route counts
  bgp peer enable|disable|reset|delete NAME [--message TEXT]
  bgp routes [PREFIX] [--peer P] [--table loc|adj-in|adj-out] [--family ipv4|ipv6] [--all]
  bgp originate PREFIX [--community C]... [--large-community C]... [--med N] [--local-pref N] [--next-hop ADDR]
  bgp withdraw PREFIX
--socket defaults to $L3MESH_BGPD_SOCKET, else ${DEFAULT_SOCKET}; host:port uses TCP.`;

export interface Io {
  out(s: string): void;
  err(s: string): void;
  env: Record<string, string | undefined>;
  now?: number;
}

interface Parsed {
  args: string[];
  flags: Map<string, string[]>;
}

const VALUE_FLAGS = new Set(['-o', '--output', '--socket', '--peer', '--table', '--family', '--community', '--large-community', '--med', '--local-pref', '--next-hop', '--message']);
const BOOL_FLAGS = new Set(['--all', '-h', '--help']);

function parse(argv: readonly string[]): Parsed {
  const args: string[] = [];
  const flags = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i]!;
    let v: string | undefined;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) [a, v] = [a.slice(0, eq), a.slice(eq + 1)];
    if (VALUE_FLAGS.has(a)) {
      v ??= argv[++i];
      if (v === undefined) throw new CliError(`${a} needs a value\n${USAGE}`, 2);
      flags.set(a === '--output' ? '-o' : a, [...(flags.get(a === '--output' ? '-o' : a) ?? []), v]);
    } else if (BOOL_FLAGS.has(a)) flags.set(a, ['']);
    else if (a.startsWith('-') && a !== '-') throw new CliError(`unknown flag ${a}\n${USAGE}`, 2);
    else args.push(a);
  }
  return { args, flags };
}

function num(flags: Map<string, string[]>, name: string): number | undefined {
  const v = flags.get(name)?.at(-1);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new CliError(`${name} must be a non-negative integer (got ${v})`, 2);
  return Number(v);
}

function unreachable(target: string, e: ServiceError): string {
  const isPath = !/^[\w.-]+:\d+$|^\[/.test(target);
  const why = (e.details || e.message).replace(/^No connection established\. Last error: (Error: )?/, '').replace(/\.? ?Resolution note:.*$/, '');
  const lines = [`ctl: cannot reach bgpd at ${target}${isPath ? ' (unix socket)' : ''}: ${why}`];
  if (isPath && !existsSync(target)) lines.push(`  The socket does not exist. Is bgpd running, and does its config have \`api: { socket: ${target} }\`?`);
  else if (isPath) {
    try {
      accessSync(target, constants.R_OK | constants.W_OK);
      lines.push('  The socket exists but nothing answers: bgpd may have stopped (check its logs: journalctl -u bgpd / kubectl logs).');
    } catch {
      lines.push('  Permission denied: the socket is mode 0660; run as root or as a member of its group.');
    }
  } else lines.push('  Is bgpd running with `api.tcp` set to this address?');
  lines.push('  Use --socket PATH or L3MESH_BGPD_SOCKET to point ctl at another socket.');
  return lines.join('\n');
}

export async function run(argv: readonly string[], io: Io): Promise<number> {
  let p: Parsed;
  try {
    p = parse(argv);
  } catch (e) {
    io.err((e as Error).message);
    return 2;
  }
  if (p.flags.has('-h') || p.flags.has('--help') || p.args.length === 0) {
    (p.args.length ? io.out : io.err)(USAGE);
    return p.args.length || p.flags.has('-h') || p.flags.has('--help') ? 0 : 2;
  }
  const output = (p.flags.get('-o')?.at(-1) ?? 'table') as OutputFormat;
  if (!['table', 'wide', 'json', 'yaml'].includes(output)) {
    io.err(`-o must be table, wide, json or yaml (got ${output})`);
    return 2;
  }
  const target = p.flags.get('--socket')?.at(-1) ?? io.env.L3MESH_BGPD_SOCKET ?? DEFAULT_SOCKET;
  const client = connectApi(target);
  const ctx: Ctx = { client, output, now: io.now ?? Date.now() };
  const f = p.flags;
  const [group, cmd, ...rest] = p.args;
  try {
    let text: string;
    if (group === 'node' && cmd === 'status' && !rest.length) text = await nodeStatus(ctx);
    else if (group === 'bgp' && cmd === 'peers' && rest.length <= 1) text = await bgpPeers(ctx, rest[0]);
    else if (group === 'bgp' && cmd === 'peer' && rest.length === 2 && ['enable', 'disable', 'reset', 'delete'].includes(rest[0]!)) {
      text = await peerAction(ctx, rest[0] as 'enable', rest[1]!, f.get('--message')?.at(-1));
    } else if (group === 'bgp' && cmd === 'routes' && rest.length <= 1) {
      text = await bgpRoutes(ctx, {
        table: f.get('--table')?.at(-1) ?? 'loc', all: f.has('--all'),
        ...(rest[0] ? { prefix: rest[0] } : {}), ...(f.has('--peer') ? { peer: f.get('--peer')!.at(-1)! } : {}), ...(f.has('--family') ? { family: f.get('--family')!.at(-1)! } : {}),
      });
    } else if (group === 'bgp' && cmd === 'originate' && rest.length === 1) {
      const med = num(f, '--med');
      const localPref = num(f, '--local-pref');
      text = await originate(ctx, {
        prefix: rest[0]!, communities: f.get('--community') ?? [], largeCommunities: f.get('--large-community') ?? [],
        ...(med !== undefined ? { med } : {}), ...(localPref !== undefined ? { localPref } : {}), ...(f.has('--next-hop') ? { nextHop: f.get('--next-hop')!.at(-1)! } : {}),
      });
    } else if (group === 'bgp' && cmd === 'withdraw' && rest.length === 1) text = await withdraw(ctx, rest[0]!);
    else throw new CliError(`unknown command: ${p.args.join(' ')}\n${USAGE}`, 2);
    io.out(text);
    return 0;
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`ctl: ${e.message}`);
      return e.exitCode;
    }
    const se = e as ServiceError;
    if (se.code === GrpcStatus.UNAVAILABLE || se.code === GrpcStatus.DEADLINE_EXCEEDED) {
      io.err(unreachable(target, se));
      return 3;
    }
    if (typeof se.code === 'number') {
      io.err(`ctl: ${GrpcStatus[se.code]}: ${se.details}`);
      return 1;
    }
    throw e;
  } finally {
    client.close();
  }
}
