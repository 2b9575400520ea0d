// bgpd's status socket: a unix socket with a line protocol, one request per
// line, one JSON answer per line (docs/bgpd-config.md). It is what the test
// harness and benchmarks poll cheaply; the gRPC API (proto/) supersedes it
// for operators.

import { createServer, type Server } from 'node:net';
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import type { Speaker } from '../speaker/index.js';

function routesJson(sp: Speaker, filter?: string): unknown[] {
  const out: unknown[] = [];
  for (const e of sp.locRib.entries()) {
    const prefix = e.prefix.toString();
    if (filter && prefix !== filter) continue;
    out.push({
      prefix, family: e.best.family, nextHop: e.best.nextHop, from: e.best.source.local ? 'local' : e.best.source.address,
      asPath: (e.best.attrs.asPath ?? []).flatMap((s) => (s.type === 1 ? [`{${s.asns.join(',')}}`] : s.asns.map(String))).join(' '),
      localPref: e.best.attrs.localPref, med: e.best.attrs.med, communities: e.best.attrs.communities, multipath: e.multipath.length,
    });
  }
  return out;
}

export function answer(sp: Speaker, line: string): unknown {
  const [cmd, arg] = line.trim().split(/\s+/, 2);
  switch (cmd) {
    case 'peers': return sp.peerStatus();
    case 'peer': {
      const p = sp.peerStatus().find((x) => x.name === arg || x.address === arg);
      return p ?? { error: `no peer ${arg}` };
    }
    case 'routes': return routesJson(sp, arg);
    case 'count': return { routes: sp.locRib.size };
    default: return { error: `unknown request ${JSON.stringify(cmd)}; try peers, peer <name>, routes [prefix], count` };
  }
}

export function serveControl(sp: Speaker, path: string): Server {
  if (existsSync(path)) unlinkSync(path);
  const srv = createServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        sock.write(`${JSON.stringify(answer(sp, line))}\n`);
      }
    });
    sock.on('error', () => undefined);
  });
  srv.listen(path, () => chmodSync(path, 0o660));
  return srv;
}
