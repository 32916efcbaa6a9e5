/**
 * The simulator's view of an ICN node: an IcnNode behind the SimProcess interface. A crash drops
 * the object; a restart builds a new IcnNode over the same simulated storage (restore = true).
 */
import {
  BoundedVerifiedCache,
  type GossipHazards,
  type GossipOptions,
  type VerifiedCache,
} from '../../core/gossip/index.js';
import type { Hash } from '../../core/hash/index.js';
import { IcnNode, NodeContracts } from '../../core/node/index.js';
import type { ProcessContext, SimProcess } from './simulator.js';

export interface IcnProcessOptions {
  gossip?: Omit<GossipOptions, 'keypair' | 'rng' | 'trust'>;
  /** Per-node gossip overrides (e.g. a flooder that ignores its own rate limit). */
  gossipFor?: (index: number) => Omit<GossipOptions, 'keypair' | 'rng' | 'trust'> | undefined;
  hazards?: GossipHazards;
  /** Ledger credit limit of accounts without an explicit one. */
  defaultCreditLimit?: bigint;
  /** Signature-check cache shared by the run's nodes (default: a fresh one per factory). */
  verifiedCache?: VerifiedCache;
  /** Called after each (re)start, to attach components (contracts) or record the node. */
  onStart?: (node: IcnNode, ctx: ProcessContext) => void;
}

export class IcnSimProcess implements SimProcess {
  constructor(
    readonly node: IcnNode,
    readonly contracts: NodeContracts,
  ) {}
  get id(): string {
    return this.node.id;
  }
  receive(from: string, message: unknown): void {
    this.node.receive(from, message);
  }
  tick(): void {
    this.node.tick();
  }
  stateRoot(): Hash {
    return this.node.checkpointRoot();
  }
}

export function icnProcessFactory(o: IcnProcessOptions = {}): (ctx: ProcessContext) => SimProcess {
  const cache = o.verifiedCache ?? new BoundedVerifiedCache();
  return (ctx) => {
    const g = { ...(o.gossip ?? {}), ...(o.gossipFor?.(ctx.index) ?? {}) };
    if (o.hazards) g.hazards = o.hazards;
    const node = new IcnNode({
      keypair: ctx.keypair,
      clock: ctx.clock,
      rng: ctx.rng,
      transport: ctx.transport,
      storage: ctx.storage,
      peers: ctx.peers,
      gossip: g,
      restore: ctx.restarted,
      verifiedCache: cache,
      ...(o.defaultCreditLimit !== undefined ? { defaultCreditLimit: o.defaultCreditLimit } : {}),
    });
    const contracts = new NodeContracts(node);
    o.onStart?.(node, ctx);
    return new IcnSimProcess(node, contracts);
  };
}

/** Trace fingerprint of a gossip message: its Ed25519 signature covers every byte of it. */
export function gossipFingerprint(m: unknown): string {
  const s = (m as { signature?: unknown } | null)?.signature;
  return typeof s === 'string' ? s : 'unsigned';
}
