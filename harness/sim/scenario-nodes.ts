/**
 * How a scenario names nodes and tunes them, shared by the simulator's run (scenario.ts) and the
 * real backends' driver (backends/driver.ts): node indexes, "@N" in JSON values, the targets of
 * attest steps, and each node's gossip settings.
 */
import { IcnError } from '../../core/errors.js';
import { TOPICS } from '../../core/gossip/index.js';
import type { ScenarioDef, StepOf } from './scenario-types.js';

/** A scenario that cannot run as written: one line, where and why. */
export const bad = (where: string, why: string): never => {
  throw new IcnError('SCENARIO_FORMAT', `${where}: ${why}`);
};

/** Node indexes scale with --nodes: an index ≥ the node count is an error, negative counts from the end. */
export function nodeAt(i: number, n: number, where: string): number {
  const j = i < 0 ? n + i : i;
  if (!Number.isInteger(j) || j < 0 || j >= n)
    bad(where, `node ${i} does not exist with ${n} nodes`);
  return j;
}

/** The given nodes of a check (`nodes`), else every node. */
export function nodesOf(nodes: number[] | undefined, n: number, where: string): number[] {
  return nodes ? nodes.map((i) => nodeAt(i, n, where)) : [...Array(n).keys()];
}

/** "@N" → node N's DID, anywhere in a JSON value (args, payloads, capabilities). */
export function substNodes(x: unknown, ids: readonly string[], where: string): unknown {
  if (typeof x === 'string' && /^@-?[0-9]+$/.test(x))
    return ids[nodeAt(Number(x.slice(1)), ids.length, where)];
  if (Array.isArray(x)) return x.map((v) => substNodes(v, ids, where));
  if (x !== null && typeof x === 'object') {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, substNodes(v, ids, where)]));
  }
  return x;
}

type AttestStep = StepOf<'attest' | 'attest_all' | 'attest_node'>;

/** Whom node `i` attests in an attest step (node indexes; `n` nodes). */
export function attestTargets(s: AttestStep, i: number, n: number, where: string): number[] {
  switch (s.do) {
    case 'attest':
      return [nodeAt(s.to, n, where)];
    case 'attest_all':
      return [...Array(n).keys()].filter((j) => j !== i);
    case 'attest_node':
      return [nodeAt(s.node, n, where)];
  }
}

type TopicLimits = Record<string, Record<string, number>>;

/** Gossip settings of a node: the scenario's, its limits off for an `unlimited` node. */
export interface NodeGossip {
  fanout?: number;
  digestFanout?: number;
  topics: TopicLimits;
}

/** Each node's gossip settings (the simulator's node factory; a daemon's `--gossip-config`). */
export function scenarioGossip(
  def: ScenarioDef,
  n: number,
): { base: NodeGossip; forNode: (i: number) => { topics: TopicLimits } | undefined } {
  const unlimited = new Set((def.unlimited ?? []).map((i) => nodeAt(i, n, 'unlimited')));
  const topics = (def.gossip?.topics ?? {}) as TopicLimits;
  const base: NodeGossip = {
    ...(def.gossip?.fanout ? { fanout: def.gossip.fanout } : {}),
    ...(def.gossip?.digestFanout ? { digestFanout: def.gossip.digestFanout } : {}),
    topics,
  };
  const off = () =>
    Object.fromEntries(TOPICS.map((t) => [t, { ...(topics[t] ?? {}), perAuthorPerWindow: 0 }]));
  return { base, forNode: (i) => (unlimited.has(i) ? { topics: off() } : undefined) };
}

/** Node i's gossip settings as `--gossip-config` JSON (undefined: the daemon's defaults). */
export function gossipConfigFor(def: ScenarioDef, i: number, n: number): string | undefined {
  const g = scenarioGossip(def, n);
  const cfg: Partial<NodeGossip> = { ...g.base, ...g.forNode(i) };
  if (!Object.keys(cfg.topics ?? {}).length) delete cfg.topics;
  return Object.keys(cfg).length ? JSON.stringify(cfg) : undefined;
}
