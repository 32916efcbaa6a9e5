/**
 * Declared topics and their limits. Publishing to, or receiving for, any other topic is refused
 * (`undeclared_topic`). Every knob is documented; defaults are the values the node uses.
 */
import { GossipError } from './errors.js';

export const TOPICS = [
  'contracts:deploy',
  'governance:receipts',
  'ledger:entries',
  'trust:attestations',
] as const;
export type Topic = (typeof TOPICS)[number];

export interface TopicConfig {
  /** Most entries kept; beyond it the oldest (timestamp, then hash) are evicted. */
  maxEntries: number;
  /** Most canonical bytes of one entry's `data`. */
  maxDataBytes: number;
  /**
   * Trust gate: this node accepts an entry only if its trust in the author is at least this many
   * ppm (TrustOracle.scorePpm(self, author)). 0 = open. Own entries always pass. A gated entry is
   * not remembered, so anti-entropy offers it again once trust has grown.
   */
  minAuthorTrustPpm: number;
  /**
   * Rate limit: at most `perAuthorPerWindow` entries per author per window of `windowMs` of the
   * author's timestamps. Which ones are kept is canonical (the smallest by (timestamp, hash)), so
   * every node keeps the same ones whatever the arrival order. 0 = unlimited.
   */
  perAuthorPerWindow: number;
  windowMs: number;
}

export const DEFAULT_TOPIC_CONFIG: Readonly<Record<Topic, TopicConfig>> = {
  // Deployments: the gossip gate is ICN's Known class (0.1); the contract layer applies
  // MIN_DEPLOYER_TRUST (0.4) itself, so an under-trusted deployment is seen and counted, not installed.
  'contracts:deploy': {
    maxEntries: 4096,
    maxDataBytes: 256 * 1024,
    minAuthorTrustPpm: 100_000,
    perAuthorPerWindow: 8,
    windowMs: 60_000,
  },
  'governance:receipts': {
    maxEntries: 8192,
    maxDataBytes: 64 * 1024,
    minAuthorTrustPpm: 100_000,
    perAuthorPerWindow: 64,
    windowMs: 60_000,
  },
  // ICN's ledger: minimum author trust 0.1.
  'ledger:entries': {
    maxEntries: 65_536,
    maxDataBytes: 16 * 1024,
    minAuthorTrustPpm: 100_000,
    perAuthorPerWindow: 256,
    windowMs: 60_000,
  },
  // Attestations are how trust is learnt: an open topic (each attestation is signed by its attester).
  'trust:attestations': {
    maxEntries: 65_536,
    maxDataBytes: 4 * 1024,
    minAuthorTrustPpm: 0,
    perAuthorPerWindow: 256,
    windowMs: 60_000,
  },
};

export function isTopic(t: unknown): t is Topic {
  return typeof t === 'string' && (TOPICS as readonly string[]).includes(t);
}

export function checkTopic(t: unknown): Topic {
  if (!isTopic(t))
    throw new GossipError(
      'undeclared_topic',
      `topic ${JSON.stringify(t).slice(0, 60)} is not declared (declared: ${TOPICS.join(', ')})`,
      { topic: String(t) },
    );
  return t;
}

export function resolveTopicConfig(
  overrides: Partial<Record<Topic, Partial<TopicConfig>>> = {},
): Record<Topic, TopicConfig> {
  const out = {} as Record<Topic, TopicConfig>;
  for (const t of TOPICS) {
    const c = { ...DEFAULT_TOPIC_CONFIG[t], ...(overrides[t] ?? {}) };
    for (const [k, v] of Object.entries(c)) {
      if (!Number.isSafeInteger(v) || (v as number) < 0)
        throw new GossipError(
          'malformed',
          `topic ${t}: ${k} = ${String(v)} must be a non-negative integer`,
        );
    }
    if (c.maxEntries < 1 || c.windowMs < 1)
      throw new GossipError('malformed', `topic ${t}: maxEntries and windowMs must be ≥ 1`);
    out[t] = c;
  }
  return out;
}
