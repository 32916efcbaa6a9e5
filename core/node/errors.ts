/** Typed errors of the node (stable codes) that callers act on. */
import { IcnError } from '../errors.js';
import type { RejectReason, Topic } from '../gossip/index.js';

export type NodeErrorCode =
  | 'NODE_AUTHOR_MISMATCH'
  | 'NODE_CONFIG_DISCARDS_STATE'
  | 'NODE_DECISION_EXECUTES'
  | 'NODE_EXECUTION_RACE'
  | 'NODE_NOT_EXECUTOR'
  | 'NODE_PUBLISH_REFUSED'
  | 'NODE_STATE_ROOT'
  /** A byzantine scenario node was asked to tamper with something it cannot. */
  | 'SCENARIO_TAMPER';

/**
 * Gossip would not take a publication this node had to make for a local action (an execution's
 * record, a deployment's message), so the action was not applied: code NODE_PUBLISH_REFUSED, with gossip's reason
 * (too_large, rate_limited, evicted). `retryAfterMs`: for rate_limited, how long until the
 * node's current window of the topic's per-author quota ends (by the node's clock).
 */
export class PublishRefused extends IcnError {
  override readonly name = 'PublishRefused';
  constructor(
    readonly topic: Topic,
    readonly reason: RejectReason,
    message: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super('NODE_PUBLISH_REFUSED', message, {
      topic,
      reason,
      ...(retryAfterMs !== null ? { retryAfterMs } : {}),
    });
  }
}

declare module '../errors.js' {
  interface ErrorCodes {
    node: NodeErrorCode;
  }
}
