// IPAM: pools cut into blocks, node block affinity, borrowing, per-container
// handles, reuse cooldown and garbage collection over the datastore contract
// (compare-and-swap writes). See allocator.ts for the allocation order.
export { IpamAllocator, type AssignRequest, type AssignResult, type AssignedIP, type NodeBlocks } from './allocator.js';
export type { IpamConfig } from './config.js';
export type { GcOptions, GcReport } from './gc.js';
export { IpamError } from './retry.js';
export { parseNodeSelector, type NodeSelector } from './selector.js';
export { poolInfo, blockName, affinityName, DEFAULT_BLOCK_SIZE, type PoolInfo } from './pool.js';
