// Per-peer TCP options (TCP-MD5 RFC 2385, GTSM RFC 5082, multihop TTL) for
// the session layer: libc calls through koffi, byte layouts, dialling.

export { dialWithOptions, needsTcpOptions, type DialTarget } from './dial.js';
export { GTSM_TTL, TcpOptionError, readTtlOptions, setMd5Key, setTtlOptions, validateTcpOptions, type TcpPeerOptions } from './options.js';
export { SocketCallError } from './libc.js';
