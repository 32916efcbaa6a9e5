export { Gossip, GOSSIP_STORE_VERSION } from './engine.js';
export type {
  GossipOptions,
  GossipStep,
  GossipHazards,
  Outbound,
  PreparedPublish,
  Rejection,
} from './engine.js';
export {
  GOSSIP_ENTRY_VERSION,
  BoundedVerifiedCache,
  makeEntry,
  verifyEntry,
  entryHash,
  entryBody,
  compareEntries,
  checkEntryBody,
  dataSize,
} from './entry.js';
export type { GossipEntry, GossipEntryBody, VerifiedCache } from './entry.js';
export {
  GOSSIP_MESSAGE_VERSION,
  signMessage,
  verifyMessage,
  messageHash,
  checkBody,
  MAX_ENTRIES_PER_MESSAGE,
  MAX_HASHES_PER_MESSAGE,
} from './message.js';
export type { GossipMessage, MessageBody, TopicDigest, UnsignedMessage } from './message.js';
export { Bloom, BLOOM_MAX_BITS, BLOOM_MIN_BITS, BLOOM_MAX_K } from './bloom.js';
export type { BloomWire } from './bloom.js';
export { TopicStore } from './store.js';
export type { BucketJoin, EntryLoader, EntryMeta, InsertPlan, InsertResult } from './store.js';
export { TOPICS, DEFAULT_TOPIC_CONFIG, isTopic, checkTopic, resolveTopicConfig } from './topics.js';
export type { Topic, TopicConfig } from './topics.js';
export { vcMerge, vcCompare, vcLe, vcGet, vcSet, checkVClock } from './vclock.js';
export type { VClock, Ordering } from './vclock.js';
export { GossipError, REJECT_REASONS } from './errors.js';
export type { RejectReason } from './errors.js';
