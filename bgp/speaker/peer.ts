// Runtime state of one configured peer inside the speaker: its session, its
// Adj-RIB-In and Adj-RIB-Out, compiled policies, the memo of outbound
// attribute sets (identical inputs give the identical interned output object,
// so the Adj-RIB-Out groups them into shared UPDATEs), and counters.

import { AdjRibIn, AdjRibOut, PathIdTable, type PathSource } from '../rib/index.js';
import type { Policy } from '../policy/index.js';
import type { PeerSession } from '../session/index.js';
import type { FamilyName, PathAttributes, Prefix } from '../wire/index.js';
import type { PeerConfig } from './config.js';
import type { GrView } from './graceful-restart.js';
import type { UpdateGroup } from './update-group.js';

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
  /** Families owing an EoRR (RFC 7313) after a refreshed table. */
  readonly eorrPending = new Set<FamilyName>();
  /** Graceful restart as agreed by the last Established session (undefined: no GR). Outlives the session. */
  gr: GrView | undefined;
  /** The peer's routes kept as stale (graceful restart, enhanced route refresh), by (prefix, path ID). Outlives the session. */
  readonly stale = new PathIdTable<Prefix>();
  /** Restart, stale-path or long-lived stale timer (graceful restart helper). */
  grTimer: ReturnType<typeof setTimeout> | undefined;
  /** 'restart' while the peer is down with routes kept; 'long-lived' after; 'stale-path' once it is back, until End-of-RIB. */
  grPhase: 'restart' | 'long-lived' | 'stale-path' | undefined;
  /** ADD-PATH: path IDs sent per prefix key. */
  readonly addPathSent = new Map<number | string, number[]>();
  /** Max-prefix: warned this session; the session was closed for exceeding the limit (restart timer pending). */
  maxPrefixWarned = false;
  /** The update group this peer's UPDATEs come from, once its initial table is sent (update-group.ts). */
  group: UpdateGroup | undefined;
  maxPrefixTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    public cfg: PeerConfig,
    public source: PathSource,
    public session: PeerSession,
    public importPolicy: Policy,
    public exportPolicy: Policy,
  ) {}

  /** Our address on the current connection. */
  get localAddress(): string | undefined {
    return this.session.localAddress;
  }

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
    this.eorrPending.clear();
    this.addPathSent.clear();
    this.maxPrefixWarned = false;
    this.initialDumpDone = false;
    this.rejected = 0;
  }
}
