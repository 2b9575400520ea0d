// The agent's datastore: the contract (types.ts) and its backends. Consumers
// (IPAM, CNI server, calc graph, reflector) import from here.
export * from './types.js';
export { MemoryDatastore, type MemoryDatastoreOptions } from './memory.js';
export { FileDatastore, type FileDatastoreOptions } from './file.js';
export type { FileLockOptions } from './file-lock.js';
export { checkResource, resourceErrors, apiVersionsOf } from './validate.js';
export { resourceKey, describe as describeResource } from './resource.js';
