// The agent's own settings (agent.yaml): which node it is, where the
// datastore and the speaker are, where to serve health/metrics and the CNI
// API. Cluster state (nodes, pools, policies…) is not here: it comes from
// the datastore. Every problem is reported with the field, all at once.

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface AgentConfig {
  /** This node's name (a Node resource in the datastore). */
  readonly nodeName: string;
  /** The embedded-mode datastore: one YAML file of resources. */
  readonly datastoreFile: string;
  /** The speaker's gRPC API socket; absent: no BGP (routes and policy only). */
  readonly speakerSocket?: string;
  /** host:port for /liveness, /readiness and /metrics. Default 127.0.0.1:9099. */
  readonly http: string;
  /** The CNI plugin's API socket (proto/agent/v1). */
  readonly cniSocket?: string;
  /** Seconds between full re-reads of routes. Default 90. */
  readonly routeResyncSeconds: number;
  /** Seconds a route of ours nobody wants survives (CNI race). Default 10. */
  readonly routeGraceSeconds: number;
}

const KEYS = ['nodeName', 'datastore', 'speaker', 'http', 'cni', 'routeResyncSeconds', 'routeGraceSeconds'];

export function parseAgentConfig(text: string, file = 'agent.yaml'): AgentConfig {
  const problems: string[] = [];
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new Error(`${file}: YAML syntax: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${file}: must be a mapping of settings`);
  const o = doc as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.includes(k)) problems.push(`${k}: unknown field (allowed: ${KEYS.join(', ')})`);
  const str = (k: string, required: boolean): string | undefined => {
    const v = o[k];
    if (v === undefined) {
      if (required) problems.push(`${k}: required`);
      return undefined;
    }
    if (typeof v !== 'string' || v === '') {
      problems.push(`${k}: must be a non-empty string (got ${JSON.stringify(v)})`);
      return undefined;
    }
    return v;
  };
  const num = (k: string, def: number, min: number, max: number): number => {
    const v = o[k];
    if (v === undefined) return def;
    if (typeof v !== 'number' || v < min || v > max) {
      problems.push(`${k}: must be a number from ${min} to ${max} (got ${JSON.stringify(v)})`);
      return def;
    }
    return v;
  };
  const nodeName = str('nodeName', true);
  const datastoreFile = str('datastore', true);
  const speakerSocket = str('speaker', false);
  const http = str('http', false) ?? '127.0.0.1:9099';
  if (!/^(\[[0-9a-fA-F:]+\]|[^:]+):\d{1,5}$/.test(http)) problems.push(`http: must be host:port (got ${JSON.stringify(http)})`);
  const cniSocket = str('cni', false);
  const routeResyncSeconds = num('routeResyncSeconds', 90, 1, 86400);
  const routeGraceSeconds = num('routeGraceSeconds', 10, 0, 3600);
  if (problems.length || !nodeName || !datastoreFile) throw new Error(`${file}: invalid configuration:\n  ${problems.join('\n  ')}`);
  return {
    nodeName, datastoreFile, http, routeResyncSeconds, routeGraceSeconds,
    ...(speakerSocket ? { speakerSocket } : {}), ...(cniSocket ? { cniSocket } : {}),
  };
}

export function loadAgentConfig(file: string): AgentConfig {
  return parseAgentConfig(readFileSync(file, 'utf8'), file);
}
