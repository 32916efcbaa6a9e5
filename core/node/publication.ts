/**
 * Publications a local action stands or falls with (publish or nothing): own contract executions
 * (executions.ts), deployments (contracts.ts), governance records (governance.ts), attestations and
 * ledger entries (IcnNode.publishWhole). The action is applied only if gossip takes its publication
 * whole, so this node never holds state no other node can get.
 */
import {
  GossipError,
  type PreparedPublish,
  type RejectReason,
  type Topic,
} from '../gossip/index.js';
import { PublishRefused } from './errors.js';
import type { IcnNode } from './node.js';

export type PublicationPlan =
  | { ok: true; prepared: PreparedPublish }
  | {
      ok: false;
      reason: RejectReason;
      detail: string;
      /** For rate_limited: ms until the node's current window of the topic's quota ends (by its clock). */
      retryAfterMs: number | null;
    };

/**
 * Prepare the publication of `data` on `topic` (IcnNode.preparePublish, changing nothing) and say
 * whether gossip takes it whole: not when it is too large, rate limited or evicted, and not when
 * gossip would take it by displacing one of this node's earlier entries from a full rate-limit
 * window (every node drops the displaced entry the same way, so what it carried would be lost:
 * this is refused as rate_limited too). Commit an ok plan with IcnNode.commitPublish before
 * anything else touches gossip.
 */
export function planPublication(node: IcnNode, topic: Topic, data: unknown): PublicationPlan {
  let p: PreparedPublish;
  try {
    p = node.preparePublish(topic, data);
  } catch (err) {
    if (!(err instanceof GossipError)) throw err;
    return { ok: false, reason: err.reason, detail: err.message, retryAfterMs: null };
  }
  const cfg = node.gossip.topicConfig(topic);
  const at = p.entry.timestamp;
  const retryAfterMs = (Math.floor(at / cfg.windowMs) + 1) * cfg.windowMs - at;
  if (p.plan.status === 'rejected')
    return {
      ok: false,
      reason: p.plan.reason,
      detail: `${topic}: ${p.plan.detail}`,
      retryAfterMs: p.plan.reason === 'rate_limited' ? retryAfterMs : null,
    };
  if (p.plan.status === 'inserted' && p.plan.join?.displaced) {
    return {
      ok: false,
      reason: 'rate_limited',
      detail: `${topic}: this node already published ${cfg.perAuthorPerWindow} entries in the current ${cfg.windowMs} ms window`,
      retryAfterMs,
    };
  }
  return { ok: true, prepared: p };
}

/**
 * The prepared publication of what a local action stands or falls with, or PublishRefused
 * (NODE_PUBLISH_REFUSED with gossip's reason) naming what was not done: "gossip refuses <what>,
 * so <consequence>: <detail>". `onRefused` counts the refusal in the caller's metric first.
 */
export function requirePublication(
  node: IcnNode,
  topic: Topic,
  data: unknown,
  what: string,
  consequence: string,
  onRefused?: (reason: RejectReason) => void,
): PreparedPublish {
  const plan = planPublication(node, topic, data);
  if (plan.ok) return plan.prepared;
  onRefused?.(plan.reason);
  throw new PublishRefused(
    topic,
    plan.reason,
    `${plan.reason}: gossip refuses ${what}, so ${consequence}: ${plan.detail}`,
    plan.retryAfterMs,
  );
}
