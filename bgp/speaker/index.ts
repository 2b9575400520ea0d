// Public entry of the speaker layer.

export { Speaker } from './speaker.js';
export { GR_DEFAULTS, PEER_DEFAULTS, peerConfig, type GracefulRestartConfig, type MaxPrefixConfig, type OriginateConfig, type PeerConfig, type SpeakerConfig } from './config.js';
export type { PeerStatus } from './status.js';
export type { WatchEvent, WatchListener } from './watch.js';
