// Public entry of the BGP speaker package. Code outside bgp/ (the agent, the
// reflector, cross-part tests) imports the speaker only from here (lint).

export * from './wire/index.js';
export { Speaker, peerConfig, PEER_DEFAULTS, type PeerConfig, type SpeakerConfig, type OriginateConfig, type PeerStatus, type WatchEvent, type WatchListener } from './speaker/index.js';
export { runDaemon, type DaemonRole } from './daemon/run.js';
export { serveHealth, readiness } from './daemon/health.js';
export type { DaemonConfig } from './daemon/config.js';
export { connectApi, type ApiClient, type BestPathChange, type WatchResponse, type PeerConf, type Peer as ApiPeer, Family as ApiFamily, SessionState as ApiSessionState } from './api/index.js';
