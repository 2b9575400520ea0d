// The capability registry: one row per capability this speaker implements.
// Codes not listed here decode to { kind: 'unknown', code, value }.

import { addPathCap } from './add-path.js';
import { as4Cap } from './as4.js';
import { extendedNextHopCap } from './extended-next-hop.js';
import { enhancedRouteRefreshCap, extendedMessageCap, routeRefreshCap } from './flags.js';
import { fqdnCap } from './fqdn.js';
import { gracefulRestartCap } from './graceful-restart.js';
import { llgrCap } from './llgr.js';
import { multiprotocolCap } from './multiprotocol.js';
import type { CapRow } from './row.js';
import type { Capability } from './types.js';

export const CAPABILITY_ROWS: readonly CapRow[] = [
  multiprotocolCap,
  routeRefreshCap,
  extendedNextHopCap,
  extendedMessageCap,
  gracefulRestartCap,
  as4Cap,
  addPathCap,
  enhancedRouteRefreshCap,
  llgrCap,
  fqdnCap,
] as readonly CapRow[];

const byCode = new Map<number, CapRow>(CAPABILITY_ROWS.map((r) => [r.code, r]));
const byKind = new Map<string, CapRow>(CAPABILITY_ROWS.map((r) => [r.kind, r]));

export function capabilityByCode(code: number): CapRow | undefined {
  return byCode.get(code);
}

/** Code, value size and writer of any capability, unknown ones included. */
export function capabilityCodec(c: Capability): { code: number; size: number; write(buf: Buffer, off: number): void } {
  if (c.kind === 'unknown') return { code: c.code, size: c.value.length, write: (b, o) => void c.value.copy(b, o) };
  const row = byKind.get(c.kind)!;
  return { code: row.code, size: row.size(c as never), write: (b, o) => row.write(c as never, b, o) };
}
