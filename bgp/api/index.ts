// Public entry of the gRPC API adapter (bgp/api): the server bgpd runs and
// the client the CLI uses. Only this directory imports proto/gen.

export { serveApi, type ApiConfig, type ApiServer } from './server.js';
export type { ServiceOptions } from './service.js';
export type { WatchStats } from './watch-stream.js';
export * from './client.js';
