/**
 * Why gossip refused something. Every rejection carries one of these stable reasons, so tests,
 * metrics and traces name the same thing.
 */
import { IcnError } from '../errors.js';

export const REJECT_REASONS = [
  /** The envelope or a body field has the wrong shape (message, entry, bloom). */
  'malformed',
  /** The message has no signature field. */
  'unsigned',
  /** The sender's signature over the message does not verify. */
  'bad_signature',
  /** The message names another node as its recipient. */
  'misaddressed',
  /** A topic that is not declared (contracts:deploy, trust:attestations, ledger:entries, governance:receipts). */
  'undeclared_topic',
  /** The entry's hash is not the hash of its body (re-derived on ingress). */
  'hash_mismatch',
  /** The author's signature over the entry does not verify. */
  'bad_entry_signature',
  /** The entry's data exceeds the topic's size limit. */
  'too_large',
  /** The author is below the topic's trust gate (as this node scores it). */
  'untrusted_author',
  /** The author has more than the topic's per-window quota of entries. */
  'rate_limited',
  /** The entry is older than everything a full topic retains (canonical eviction order). */
  'evicted',
  /** The entry is dated beyond this node's clock plus the allowed skew (GossipOptions.maxFutureSkewMs). */
  'future_dated',
  /** A message carries more items than the limits allow. */
  'oversized_message',
] as const;

export type RejectReason = (typeof REJECT_REASONS)[number];

/** A rejection's code is its reason in capitals; the archive and publishing add two of their own. */
export type GossipErrorCode =
  `GOSSIP_${Uppercase<RejectReason>}` | 'GOSSIP_ARCHIVE_MISSING' | 'GOSSIP_STALE_PUBLISH';

export class GossipError extends IcnError {
  override readonly name = 'GossipError';
  constructor(
    readonly reason: RejectReason,
    message: string,
    details: Readonly<Record<string, unknown>> = {},
  ) {
    super(`GOSSIP_${reason.toUpperCase() as Uppercase<RejectReason>}`, message, {
      reason,
      ...details,
    });
  }
}

declare module '../errors.js' {
  interface ErrorCodes {
    gossip: GossipErrorCode;
  }
}
