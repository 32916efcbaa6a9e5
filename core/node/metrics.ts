/**
 * The node's gossip and component metrics, on the node's own prom-client Registry (the contract
 * metrics of core/metrics register on the same one). Observations only: never hashed.
 */
import { Counter, Registry } from 'prom-client';

export interface NodeMetrics {
  readonly registry: Registry;
  readonly messagesSent: Counter<'type'>;
  readonly messagesReceived: Counter<'type'>;
  /** Gossip rejections by named reason (core/gossip/errors.ts) and topic ('' for envelope rejections). */
  readonly gossipRejected: Counter<'reason' | 'topic'>;
  readonly entriesAccepted: Counter<'topic'>;
  /** Entries gossip accepted that a component then refused (trust, ledger…), by code. */
  readonly applyRejected: Counter<'topic' | 'code'>;
  readonly restoredEntries: Counter;
}

export function createNodeMetrics(registry: Registry = new Registry()): NodeMetrics {
  const registers = [registry];
  return {
    registry,
    messagesSent: new Counter({
      name: 'icn_gossip_messages_sent_total',
      help: 'Gossip messages sent, by type',
      labelNames: ['type'] as const,
      registers,
    }),
    messagesReceived: new Counter({
      name: 'icn_gossip_messages_received_total',
      help: 'Gossip messages received, by type (after verification)',
      labelNames: ['type'] as const,
      registers,
    }),
    gossipRejected: new Counter({
      name: 'icn_gossip_rejected_total',
      help: 'Gossip messages or entries rejected, by reason',
      labelNames: ['reason', 'topic'] as const,
      registers,
    }),
    entriesAccepted: new Counter({
      name: 'icn_gossip_entries_accepted_total',
      help: 'Gossip entries accepted into the store, by topic',
      labelNames: ['topic'] as const,
      registers,
    }),
    applyRejected: new Counter({
      name: 'icn_node_apply_rejected_total',
      help: 'Entries refused by a node component after gossip accepted them',
      labelNames: ['topic', 'code'] as const,
      registers,
    }),
    restoredEntries: new Counter({
      name: 'icn_node_restored_entries_total',
      help: 'Entries re-loaded from storage at start',
      registers,
    }),
  };
}
