// Test fixtures for IPAM: pools and nodes written into a datastore, a
// settable clock, and a check that no address is held twice.
import { API_VERSION, type Datastore, type IPPoolSpec } from '../../datastore/types.js';
import type { AssignedIP } from '../allocator.js';

export async function addPool(ds: Datastore, name: string, spec: IPPoolSpec): Promise<void> {
  await ds.create({ apiVersion: API_VERSION, kind: 'IPPool', metadata: { name }, spec });
}

export async function addNode(ds: Datastore, name: string, labels: Record<string, string> = {}): Promise<void> {
  await ds.create({ apiVersion: API_VERSION, kind: 'Node', metadata: { name, labels }, spec: {} });
}

export class FakeClock {
  constructor(public ms = 1_700_000_000_000) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void { this.ms += ms; }
}

/** Addresses listed more than once. */
export function duplicates(ips: readonly Pick<AssignedIP, 'address'>[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const { address } of ips) (seen.has(address) ? dup : seen).add(address);
  return [...dup];
}
