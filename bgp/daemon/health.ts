// Liveness and readiness over HTTP, as Calico's node does (localhost:9099):
//   GET /liveness   200 while the process serves requests
//   GET /readiness  200 when every enabled peer is Established, else 503
//                   with the peers that are not and why
// JSON bodies, for people and for Kubernetes probes alike.

import { createServer, type Server } from 'node:http';
import type { Speaker } from '../speaker/index.js';

export function readiness(sp: Speaker): { ready: boolean; peers: { name: string; state: string; lastError?: string }[] } {
  const waiting = sp.peerStatus()
    .filter((p) => p.state !== 'Established' && !sp.isAdminDown(p.name))
    .map((p) => ({ name: p.name, state: p.state, ...(p.lastError ? { lastError: p.lastError } : {}) }));
  return { ready: waiting.length === 0, peers: waiting };
}

export function serveHealth(sp: Speaker, address: string, port: number): Promise<Server> {
  const srv = createServer((req, res) => {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(body)}\n`);
    };
    if (req.method !== 'GET') return send(405, { error: 'GET only' });
    if (req.url === '/liveness') return send(200, { live: true });
    if (req.url === '/readiness') {
      const r = readiness(sp);
      return send(r.ready ? 200 : 503, r);
    }
    send(404, { error: 'try /liveness or /readiness' });
  });
  return new Promise((resolve, reject) => {
    srv.once('error', (e) => reject(new Error(`health endpoint ${address}:${port}: ${e.message}`)));
    srv.listen(port, address, () => resolve(srv));
  });
}
