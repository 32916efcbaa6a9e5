/**
 * The trust graph: direct edges from signed attestations, two-hop scores in ppm, ICN's capacity
 * caps, and a root over the edge set. Implements TrustOracle for contracts and the ledger.
 *
 * Order independence: the edge kept for a pair is the maximum under a total order
 * (compareAttestations), so the edge set, every score and the root depend only on the set of
 * attestations applied, not on their arrival order (capacity rejections aside: at the caps, which
 * attestations fit does depend on order, as it must for a bounded local view).
 */
import { contentHash, DOMAIN, type Hash } from '../hash/index.js';
import type { Did } from '../identity/index.js';
import {
  attestationHash,
  compareAttestations,
  verifyAttestation,
  type SignedTrustAttestation,
} from './attestation.js';
import { CapacityExceeded, TrustError } from './errors.js';
import { PPM, type TrustOracle } from './oracle.js';
import { combineTwoHop, ProductSum, trustClass, type TrustClass } from './score.js';
import { MemoryTrustStore, type TrustEdge, type TrustStore } from './store.js';

/** ICN's design caps (never implemented in ICN itself). */
export const MAX_LOCAL_NODES = 10_000;
export const MAX_LOCAL_EDGES = 50_000;

export const TRUST_ROOT_VERSION = 'icn-trust-root/v1';

export interface TrustGraphOptions {
  store?: TrustStore;
  maxNodes?: number;
  maxEdges?: number;
  /** Skip signature verification (only for attestations already verified, e.g. benches). */
  trustedInput?: boolean;
}

export type ApplyStatus = 'inserted' | 'superseded' | 'stale' | 'duplicate';

export interface ApplyResult {
  status: ApplyStatus;
  /** True when the store failed to read the existing edge and the attestation was kept as new. */
  degraded: boolean;
  hash: Hash;
}

// Did.toString() base58-encodes on every call; memoize per Did object (immutable).
const didKeys = new WeakMap<Did, string>();
function didKey(d: Did): string {
  let k = didKeys.get(d);
  if (k === undefined) didKeys.set(d, (k = d.toString()));
  return k;
}

export class TrustGraph implements TrustOracle {
  readonly store: TrustStore;
  readonly maxNodes: number;
  readonly maxEdges: number;
  private readonly trustedInput: boolean;
  private readonly nodes = new Set<string>();
  private edges = 0;
  /** Store read failures absorbed by the graceful-degradation rule (observable, never hashed). */
  degradedReads = 0;
  /** Cached root; cleared by every write. */
  private cachedRoot: Hash | undefined;

  constructor(opts: TrustGraphOptions = {}) {
    this.store = opts.store ?? new MemoryTrustStore();
    this.maxNodes = opts.maxNodes ?? MAX_LOCAL_NODES;
    this.maxEdges = opts.maxEdges ?? MAX_LOCAL_EDGES;
    this.trustedInput = opts.trustedInput ?? false;
  }

  get nodeCount(): number {
    return this.nodes.size;
  }
  /** Edges counted against MAX_LOCAL_EDGES (a degraded insert counts even if the edge existed). */
  get edgeCount(): number {
    return this.edges;
  }

  /**
   * Apply a signed attestation. Verifies it (unless trustedInput), applies the supersede rule,
   * enforces the caps (CapacityExceeded, nothing written). The seed's fix: if the store throws
   * while reading the existing edge, the attestation is not lost: it is stored as a new edge and
   * counted against the cap (conservative: the count may over-estimate, never under-estimate).
   * Trade-off, stated: a degraded insert replaces whatever the store holds for the pair without
   * the supersede comparison (it cannot read it), so until the pair is attested again an older
   * attestation may win. Losing the attestation was the seed's bug; this is the seed's fix.
   * The graph owns its store: writing to the store behind the graph's back bypasses the caps and
   * the cached root.
   */
  apply(att: SignedTrustAttestation): ApplyResult {
    const a = this.trustedInput ? att : verifyAttestation(att);
    const hash = attestationHash(a);
    let existing: TrustEdge | undefined;
    let degraded = false;
    try {
      existing = this.store.get(a.from, a.to);
    } catch {
      degraded = true;
      this.degradedReads++;
    }
    const edge: TrustEdge = {
      from: a.from,
      to: a.to,
      score_ppm: a.score_ppm,
      issued_at: a.issued_at,
      hash,
      attestation: a,
    };
    if (existing && !degraded) {
      const c = compareAttestations(edge, existing);
      if (c === 0) return { status: 'duplicate', degraded, hash };
      if (c < 0) return { status: 'stale', degraded, hash };
      this.write(edge);
      return { status: 'superseded', degraded, hash };
    }
    const newNodes = (this.nodes.has(a.from) ? 0 : 1) + (this.nodes.has(a.to) ? 0 : 1);
    if (this.nodes.size + newNodes > this.maxNodes)
      throw new CapacityExceeded('nodes', this.maxNodes);
    if (this.edges + 1 > this.maxEdges) throw new CapacityExceeded('edges', this.maxEdges);
    this.write(edge);
    this.nodes.add(a.from);
    this.nodes.add(a.to);
    this.edges++;
    return { status: 'inserted', degraded, hash };
  }

  private write(edge: TrustEdge): void {
    this.cachedRoot = undefined;
    try {
      this.store.put(edge);
    } catch (e) {
      throw new TrustError(
        'TRUST_STORE_WRITE',
        `trust store failed to write ${edge.from} → ${edge.to}: ${(e as Error).message}`,
        { from: edge.from, to: edge.to },
      );
    }
  }

  /** Direct trust from→to in ppm (0 when there is no edge). */
  directPpm(from: string, to: string): number {
    return this.store.get(from, to)?.score_ppm ?? 0;
  }

  /** ICN's two-hop score (see score.ts for the formula and rounding). A DID trusts itself fully. */
  scorePpm(from: Did, to: Did): number {
    return this.scoreByKey(didKey(from), didKey(to));
  }

  scoreByKey(own: string, target: string): number {
    if (own === target) return PPM;
    let direct = 0;
    const sum = new ProductSum();
    for (const e of this.store.outEdges(own)) {
      if (e.to === target) {
        direct = e.score_ppm;
        continue;
      }
      const second = this.store.get(e.to, target);
      if (second) sum.add(e.score_ppm, second.score_ppm);
    }
    return combineTwoHop(direct, sum.total(), sum.count);
  }

  classOf(from: Did, to: Did): TrustClass {
    return trustClass(this.scorePpm(from, to));
  }

  /**
   * Scores from `own` to every DID it reaches in one or two hops, sorted by DID. Cost is
   * O(Σ out-degree of own's neighbours) ≤ O(edges): bounded by MAX_LOCAL_EDGES.
   */
  scoresFrom(own: string): [string, number][] {
    const direct = new Map<string, number>();
    const sums = new Map<string, ProductSum>();
    for (const e of this.store.outEdges(own)) {
      direct.set(e.to, e.score_ppm);
      for (const f of this.store.outEdges(e.to)) {
        if (f.to === own || f.to === e.to) continue;
        let s = sums.get(f.to);
        if (!s) sums.set(f.to, (s = new ProductSum()));
        s.add(e.score_ppm, f.score_ppm);
      }
    }
    const targets = new Set<string>([...direct.keys(), ...sums.keys()]);
    targets.delete(own);
    const out: [string, number][] = [];
    for (const t of [...targets].sort()) {
      const s = sums.get(t);
      out.push([t, combineTwoHop(direct.get(t) ?? 0, s?.total() ?? 0n, s?.count ?? 0)]);
    }
    return out;
  }

  /** Every edge, sorted by (from, to). */
  sortedEdges(): TrustEdge[] {
    return [...this.store.all()].sort((a, b) =>
      a.from !== b.from ? (a.from < b.from ? -1 : 1) : a.to < b.to ? -1 : a.to > b.to ? 1 : 0,
    );
  }

  /**
   * The trust component root: contentHash(icn/trust/root/v1, {version, edges}) where edges are
   * [from, to, score_ppm, issued_at, attestation hash] sorted by (from, to).
   */
  root(): Hash {
    return (this.cachedRoot ??= this.computeRoot());
  }

  /** The root recomputed from the store, ignoring the cache (audits, benches). */
  computeRoot(): Hash {
    return contentHash(DOMAIN.trustRoot, {
      version: TRUST_ROOT_VERSION,
      edges: this.sortedEdges().map((e) => [e.from, e.to, e.score_ppm, e.issued_at, e.hash]),
    });
  }
}
