// Public entry of the session layer: the only layer that touches sockets.

export { Connection, normalise } from './connection.js';
export { Listener, type ListenAddress } from './listener.js';
export { PeerSession, type PeerEndpoint, type SessionEvents } from './peer-session.js';
export { systemClock } from './clock.js';
