export { IcnNode, NODE_STATE_VERSION } from './node.js';
export type { NodeOptions, Transport, TopicHandler } from './node.js';
export { MemoryKvStore } from './storage.js';
export type { KvStore } from './storage.js';
export { createNodeMetrics } from './metrics.js';
export type { NodeMetrics } from './metrics.js';
export { NodeContracts, CONTRACT_ROOTS_VERSION } from './contracts.js';
export type { NodeContractsOptions } from './contracts.js';
