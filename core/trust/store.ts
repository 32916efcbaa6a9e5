/**
 * Edge storage for the trust graph, injected so a node can back it with disk, and tests with a
 * store that fails. The graph keeps no second copy of edges: scores read through the store.
 */
import type { Hash } from '../hash/index.js';
import type { SignedTrustAttestation } from './attestation.js';

export interface TrustEdge {
  from: string;
  to: string;
  score_ppm: number;
  issued_at: number;
  /** contentHash of the attestation body. */
  hash: Hash;
  attestation: SignedTrustAttestation;
}

export interface TrustStore {
  /** The edge from→to, or undefined. May throw (I/O): the graph handles it. */
  get(from: string, to: string): TrustEdge | undefined;
  /** Insert or replace the edge from→to. Throwing means the write did not happen. */
  put(edge: TrustEdge): void;
  /** Every edge leaving `from`, any order. */
  outEdges(from: string): Iterable<TrustEdge>;
  /** Every edge, any order. */
  all(): Iterable<TrustEdge>;
}

export class MemoryTrustStore implements TrustStore {
  private readonly out = new Map<string, Map<string, TrustEdge>>();

  get(from: string, to: string): TrustEdge | undefined {
    return this.out.get(from)?.get(to);
  }
  put(edge: TrustEdge): void {
    let m = this.out.get(edge.from);
    if (!m) this.out.set(edge.from, (m = new Map()));
    m.set(edge.to, edge);
  }
  outEdges(from: string): Iterable<TrustEdge> {
    return this.out.get(from)?.values() ?? [];
  }
  *all(): Iterable<TrustEdge> {
    for (const m of this.out.values()) yield* m.values();
  }
}
