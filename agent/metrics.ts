// The agent's health and Prometheus metrics over HTTP (REFERENCE.md: Felix
// serves liveness/readiness on 9099 and metrics on 9091):
//   GET /liveness   200 while the process serves
//   GET /readiness  200 once the datastore is in sync and the dataplane was
//                   programmed from it (and the speaker is connected, when
//                   linked); else 503 with what is missing (JSON)
//   GET /metrics    text exposition format: apply latency, routes, policy
//                   rules and ipset members, in-sync flags, errors

import { createServer, type Server } from 'node:http';

export class AgentMetrics {
  applies = 0;
  applyErrors = 0;
  applyMsSum = 0;
  lastApplyMs = 0;
  policyFailures = 0;
  datastoreErrors = 0;
}

export interface MetricsSource {
  readonly metrics: AgentMetrics;
  readonly ready: boolean;
  readonly state: { inSync: boolean };
  /** Extra gauges/counters: name → value (e.g. routes programmed, ipset members). */
  gauges(): Record<string, number>;
  /** Why not ready, or undefined. */
  notReady(): string[];
}

function text(src: MetricsSource): string {
  const m = src.metrics;
  const lines = [
    '# HELP l3mesh_agent_apply_total Dataplane applies completed.', '# TYPE l3mesh_agent_apply_total counter', `l3mesh_agent_apply_total ${m.applies}`,
    '# HELP l3mesh_agent_apply_errors_total Dataplane applies that failed.', '# TYPE l3mesh_agent_apply_errors_total counter', `l3mesh_agent_apply_errors_total ${m.applyErrors}`,
    '# HELP l3mesh_agent_apply_seconds Time spent applying to the dataplane.', '# TYPE l3mesh_agent_apply_seconds summary',
    `l3mesh_agent_apply_seconds_sum ${(m.applyMsSum / 1000).toFixed(6)}`, `l3mesh_agent_apply_seconds_count ${m.applies}`,
    '# HELP l3mesh_agent_last_apply_seconds Duration of the last apply.', '# TYPE l3mesh_agent_last_apply_seconds gauge', `l3mesh_agent_last_apply_seconds ${(m.lastApplyMs / 1000).toFixed(6)}`,
    '# HELP l3mesh_agent_datastore_in_sync 1 when the datastore snapshot is complete.', '# TYPE l3mesh_agent_datastore_in_sync gauge', `l3mesh_agent_datastore_in_sync ${src.state.inSync ? 1 : 0}`,
    '# HELP l3mesh_agent_datastore_errors_total Datastore errors (unreadable file, bad resources).', '# TYPE l3mesh_agent_datastore_errors_total counter', `l3mesh_agent_datastore_errors_total ${m.datastoreErrors}`,
    '# HELP l3mesh_agent_policy_failures Policies that could not be programmed (their endpoints fail closed).', '# TYPE l3mesh_agent_policy_failures gauge', `l3mesh_agent_policy_failures ${m.policyFailures}`,
  ];
  for (const [name, v] of Object.entries(src.gauges())) lines.push(`# TYPE l3mesh_agent_${name} gauge`, `l3mesh_agent_${name} ${v}`);
  return `${lines.join('\n')}\n`;
}

/** Serves health and metrics on host:port; returns the server. */
export function serveAgentHttp(src: MetricsSource, hostPort: string): Promise<Server> {
  const m = /^(.*):(\d+)$/.exec(hostPort);
  if (!m) throw new Error(`health/metrics address must be host:port (got ${JSON.stringify(hostPort)})`);
  const srv = createServer((req, res) => {
    if (req.url === '/liveness') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    if (req.url === '/readiness') {
      const why = src.notReady();
      res.writeHead(why.length ? 503 : 200, { 'content-type': 'application/json' });
      return void res.end(`${JSON.stringify({ ready: why.length === 0, ...(why.length ? { waitingFor: why } : {}) })}\n`);
    }
    if (req.url === '/metrics') return void res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text(src));
    res.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(Number(m[2]), m[1]!.replace(/^\[|\]$/g, ''), () => resolve(srv));
  });
}
