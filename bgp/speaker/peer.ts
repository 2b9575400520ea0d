// Runtime state of one configured peer inside the speaker: its session, its
// Adj-RIB-In and Adj-RIB-Out, compiled policies, the memo of outbound
// attribute sets (identical inputs give the identical interned output object,
// so the Adj-RIB-Out groups them into shared UPDATEs), and counters.

import { AdjRibIn, AdjRibOut, type PathSource } from '../rib/index.js';
import type { Policy } from '../policy/index.js';
import type { PeerSession } from '../session/index.js';
import type { FamilyName, PathAttributes } from '../wire/index.js';
import type { PeerConfig } from './config.js';

export class Peer {
  readonly adjIn = new AdjRibIn();
  readonly adjOut = new AdjRibOut();
  /** Outbound attributes before policy, by interned input (index 1: our own routes). */
  baseMemo: [WeakMap<PathAttributes, PathAttributes>, WeakMap<PathAttributes, PathAttributes>] = [new WeakMap(), new WeakMap()];
  /** Reflected (RFC 4456) attributes before policy: interned input → (ORIGINATOR_ID → attributes). */
  reflectMemo = new WeakMap<PathAttributes, Map<string, PathAttributes>>();
  /** Outbound attribute memo: attrs after policy → (next-hop key → interned output attrs). */
  exportMemo = new WeakMap<PathAttributes, Map<string, PathAttributes>>();
  /** Families still owing an End-of-RIB after the initial table. */
  eorPending = new Set<FamilyName>();
  initialDumpDone = false;
  flushScheduled = false;
  lastFlush = 0;
  rejected = 0;
  lastError: string | undefined;
  /** Families received End-of-RIB for, this session. */
  readonly eorReceived = new Set<FamilyName>();

  constructor(
    public cfg: PeerConfig,
    public source: PathSource,
    public session: PeerSession,
    public importPolicy: Policy,
    public exportPolicy: Policy,
  ) {}

  get ibgp(): boolean {
    return this.source.ibgp;
  }

  get established(): boolean {
    return this.session.state === 'Established';
  }

  /** Families negotiated on the current session. */
  get families(): readonly FamilyName[] {
    return this.session.negotiated?.families ?? [];
  }

  resetSessionState(): void {
    this.adjOut.clear();
    this.exportMemo = new WeakMap();
    this.baseMemo = [new WeakMap(), new WeakMap()];
    this.reflectMemo = new WeakMap();
    this.eorPending.clear();
    this.eorReceived.clear();
    this.initialDumpDone = false;
    this.rejected = 0;
  }
}
