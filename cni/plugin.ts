// l3mesh CNI plugin: hands one CNI invocation to the node's agent and prints
// its answer (cni/README.md). Built into a self-contained executable (Node's
// single executable application, cni/build.mjs), so a host needs no Node.js.
//
//   stdin (network configuration) + CNI_* environment
//     → agent.v1.InvokeRequest (protobuf, proto/agent/v1/cni.proto), framed as
//       a 4-byte big-endian length, over the agent's unix socket
//     ← agent.v1.InvokeResponse framed the same way: `output` goes to stdout,
//       exit status 0 when error_code is 0, else 1.
//
// The plugin answers alone only what must work without the agent (CNI spec
// 1.1 "Execution protocol", "Error"): VERSION; stdin that is not JSON (code
// 6); the agent unreachable (code 11, for STATUS 50). Everything else
// (validation, versions, results) is the agent's. The socket is the
// configuration's top-level "agent_socket", default /var/run/l3mesh/cni.sock.
// Only Node built-ins: the protobuf fields are few and encoded here, so the
// bundle is this one file.

import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

export const DEFAULT_SOCKET = '/var/run/l3mesh/cni.sock';
/** Keep in step with SUPPORTED_VERSIONS in agent/cni/spec.ts (a test checks). */
export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];
const LATEST = '1.1.0';
const TIMEOUT_MS = 300_000;
const ENV: [number, string][] = [[1, 'CNI_COMMAND'], [2, 'CNI_CONTAINERID'], [3, 'CNI_NETNS'], [4, 'CNI_IFNAME'], [5, 'CNI_ARGS'], [6, 'CNI_PATH']];

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

const field = (no: number, value: Buffer): Buffer => Buffer.concat([varint((no << 3) | 2), varint(value.length), value]);

/** InvokeRequest: each CNI_* variable present only when set (optional fields), then the raw config. */
export function encodeRequest(env: NodeJS.ProcessEnv, config: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (const [no, name] of ENV) if (env[name] !== undefined) parts.push(field(no, Buffer.from(env[name]!, 'utf8')));
  parts.push(field(7, config));
  return Buffer.concat(parts);
}

function readVarint(b: Buffer, at: { i: number }): number {
  let n = 0, mul = 1;
  for (;;) {
    if (at.i >= b.length) throw new Error('truncated varint');
    const c = b[at.i++]!;
    n += (c & 0x7f) * mul;
    if (c < 0x80) return n;
    mul *= 128;
    if (mul > 2 ** 56) throw new Error('varint too long');
  }
}

/** InvokeResponse: output (1, bytes) and error_code (2, varint); unknown fields skipped. */
export function decodeResponse(b: Buffer): { output: Buffer; errorCode: number } {
  const at = { i: 0 };
  let output: Buffer = Buffer.alloc(0), errorCode = 0;
  while (at.i < b.length) {
    const key = readVarint(b, at);
    const wire = key & 7, no = Math.floor(key / 8);
    if (wire === 0) {
      const v = readVarint(b, at);
      if (no === 2) errorCode = v;
    } else if (wire === 2) {
      const len = readVarint(b, at);
      if (len > b.length - at.i) throw new Error('truncated field');
      if (no === 1) output = b.subarray(at.i, at.i + len);
      at.i += len;
    } else if (wire === 1) at.i += 8;
    else if (wire === 5) at.i += 4;
    else throw new Error(`wire type ${wire}`);
  }
  return { output, errorCode };
}

class CniFailure extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

function exchange(socket: string, req: Buffer, status: boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect(socket);
    const chunks: Buffer[] = [];
    s.setTimeout(TIMEOUT_MS, () => s.destroy(new Error('no answer within 300 s')));
    s.on('connect', () => {
      const head = Buffer.alloc(4);
      head.writeUInt32BE(req.length);
      s.end(Buffer.concat([head, req]));
    });
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', (e) => reject(new CniFailure(status ? 50 : 11, `cannot reach the l3mesh agent at ${socket}: ${e.message} (is the agent running on this node?)`)));
    s.on('end', () => {
      const all = Buffer.concat(chunks);
      if (all.length < 4) return reject(new CniFailure(11, `the l3mesh agent at ${socket} closed the connection without an answer`));
      const len = all.readUInt32BE(0);
      if (len !== all.length - 4) return reject(new CniFailure(5, `the l3mesh agent's reply is malformed (frame of ${len} bytes, got ${all.length - 4})`));
      resolve(all.subarray(4));
    });
  });
}

export async function main(env: NodeJS.ProcessEnv, stdin: Buffer, out: (s: string) => void): Promise<number> {
  let version = LATEST;
  const fail = (code: number, msg: string) => {
    out(`${JSON.stringify({ cniVersion: version, code, msg })}\n`);
    return 1;
  };
  let conf: Record<string, unknown> | undefined;
  try {
    const v = JSON.parse(stdin.toString('utf8')) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) conf = v as Record<string, unknown>;
  } catch {
    conf = undefined;
  }
  if (conf && typeof conf.cniVersion === 'string' && conf.cniVersion) version = conf.cniVersion;
  const cmd = env.CNI_COMMAND;
  if (cmd === 'VERSION') {
    out(`${JSON.stringify({ cniVersion: version, supportedVersions: SUPPORTED_VERSIONS })}\n`);
    return 0;
  }
  if (!conf) return fail(6, `failed to decode the network configuration on stdin: ${stdin.length ? 'not valid JSON' : 'empty input'}`);
  const sock = conf.agent_socket ?? DEFAULT_SOCKET;
  if (typeof sock !== 'string' || sock === '' || Buffer.byteLength(sock) >= 108) return fail(7, 'invalid network configuration: "agent_socket" must be a plain path shorter than 108 bytes');
  try {
    const res = decodeResponse(await exchange(sock, encodeRequest(env, stdin), cmd === 'STATUS'));
    if (res.output.length) out(`${res.output.toString('utf8')}\n`);
    return res.errorCode === 0 ? 0 : 1;
  } catch (e) {
    if (e instanceof CniFailure) return fail(e.code, e.message);
    return fail(5, `the l3mesh agent's reply is malformed: ${(e as Error).message}`);
  }
}

// Run as the plugin (the bundle's entry); importing the module for tests does nothing.
if (process.env.L3MESH_CNI_MAIN === '1' || (process.argv[1] ?? '').endsWith('l3mesh-cni-plugin.cjs') || isSea()) {
  let stdin: Buffer;
  try {
    stdin = readFileSync(0);
  } catch {
    stdin = Buffer.alloc(0);
  }
  main(process.env, stdin, (s) => process.stdout.write(s)).then((code) => { process.exitCode = code; });
}

function isSea(): boolean {
  try {
    // node:sea exists from Node 20.12; isSea() is true inside the single executable
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return typeof require === 'function' && (require('node:sea') as { isSea(): boolean }).isSea();
  } catch {
    return false;
  }
}
