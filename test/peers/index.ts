// BGP peer drivers for interop tests and benchmarks: BIRD 2, FRR bgpd, GoBGP
// and our own bgpd, all configured from one SpeakerSpec, run inside a Lab's
// namespaces and queried into one normalised Route shape.
export * from './types.js';
export { BaseSpeaker } from './base.js';
export { BirdSpeaker, type BirdOptions } from './bird.js';
export { BirdCtl, type BirdProtocol, type ChannelCounters } from './bird-ctl.js';
export { BULK_PROTOCOL } from './bird-config.js';
export { FrrSpeaker, FRR_BIN, type FrrOptions } from './frr.js';
export { FrrVty } from './frr-vty.js';
export { GobgpSpeaker } from './gobgp.js';
export { BgpdSpeaker, bgpdMain, reflectorMain, REPO_ROOT, type BgpdOptions, type BgpdPeerStatus } from './bgpd.js';
