// Watching the speaker: a subscriber first gets a snapshot (every peer's
// state and every best path), then an in-sync marker, then live changes.

import type { RibDelta } from '../rib/index.js';
import type { PeerStatus } from './status.js';

export type WatchEvent =
  | { readonly type: 'peer'; readonly peer: PeerStatus }
  | { readonly type: 'best'; readonly delta: RibDelta }
  | { readonly type: 'in-sync' };

export type WatchListener = (e: WatchEvent) => void;

export class Watchers {
  private readonly listeners = new Set<WatchListener>();

  get active(): boolean {
    return this.listeners.size > 0;
  }

  add(l: WatchListener, snapshot: () => Iterable<WatchEvent>): () => void {
    for (const e of snapshot()) l(e);
    l({ type: 'in-sync' });
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  emit(e: WatchEvent): void {
    for (const l of this.listeners) l(e);
  }
}
