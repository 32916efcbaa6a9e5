import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isIcnError } from '../errors.js';
import { Keypair } from '../identity/index.js';
import { attestationHash, signAttestation, type SignedTrustAttestation } from './attestation.js';
import { CapacityExceeded } from './errors.js';
import { MAX_LOCAL_EDGES, MAX_LOCAL_NODES, TrustGraph } from './graph.js';
import { combineTwoHop, ppmFromDecimal, trustClass } from './score.js';
import { MemoryTrustStore, type TrustEdge } from './store.js';

const kp = (n: number) => Keypair.fromSeed(new Uint8Array(32).fill(n));
const K = Array.from({ length: 8 }, (_, i) => kp(i + 1));
const did = (i: number) => K[i]!.did;
const att = (f: number, t: number, ppm: number, at = 1) => signAttestation(K[f]!, did(t), ppm, at);

describe('two-hop score (integer ppm)', () => {
  it('direct only: floor(0.7 × d); ICN seed facts 0.2 → Known-level 0.14 (rejected < 0.4), 0.6 → 0.42 (accepted)', () => {
    const g = new TrustGraph();
    g.apply(att(0, 1, 200_000));
    g.apply(att(0, 2, 600_000));
    expect(g.scorePpm(did(0), did(1))).toBe(140_000);
    expect(g.scorePpm(did(0), did(2))).toBe(420_000);
    expect(g.classOf(did(0), did(2))).toBe('Partner');
    expect(g.scorePpm(did(1), did(0))).toBe(0); // edges are directed
    expect(g.scorePpm(did(3), did(3))).toBe(1_000_000);
  });

  it('two hops: mean of products × 0.3, one floor at the end (hand-computed)', () => {
    const g = new TrustGraph();
    // own=0 → target=3 direct 0.5; via 1: 0.9×0.8 = 0.72; via 2: 0.333333×0.1 = 0.0333333
    g.apply(att(0, 3, 500_000));
    g.apply(att(0, 1, 900_000));
    g.apply(att(1, 3, 800_000));
    g.apply(att(0, 2, 333_333));
    g.apply(att(2, 3, 100_000));
    // exact = 0.35 + 0.3 × (0.72 + 0.0333333)/2 = 0.35 + 0.3 × 0.37666665 = 0.462999995 → 462999 ppm
    const num = 7n * 500_000n * 2n * 1_000_000n + 3n * (900_000n * 800_000n + 333_333n * 100_000n);
    expect(Number(num / (10n * 2n * 1_000_000n))).toBe(462_999);
    expect(g.scorePpm(did(0), did(3))).toBe(462_999);
    // scoresFrom agrees with scoreByKey for every target
    for (const [t, s] of g.scoresFrom(did(0).toString()))
      expect(s).toBe(g.scoreByKey(did(0).toString(), t));
  });

  it('two hops without a direct edge, and the intermediate must reach the target', () => {
    const g = new TrustGraph();
    g.apply(att(0, 1, 1_000_000));
    g.apply(att(1, 2, 1_000_000));
    g.apply(att(0, 4, 1_000_000)); // 4 has no edge to 2: not a path
    expect(g.scorePpm(did(0), did(2))).toBe(300_000);
    expect(combineTwoHop(1_000_000, 10n ** 12n, 1)).toBe(1_000_000); // the cap
  });

  it('classes at the ICN thresholds', () => {
    expect(
      [0, 99_999, 100_000, 399_999, 400_000, 699_999, 700_000, 1_000_000].map(trustClass),
    ).toEqual([
      'Isolated',
      'Isolated',
      'Known',
      'Known',
      'Partner',
      'Partner',
      'Federated',
      'Federated',
    ]);
    expect(ppmFromDecimal('0.42')).toBe(420_000);
    expect(ppmFromDecimal('1')).toBe(1_000_000);
    expect(() => ppmFromDecimal('0.1234567')).toThrow();
  });

  it('property: the integer score equals floor of the exact rational formula', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 1_000_000 })),
          { maxLength: 20 },
        ),
        (d, paths) => {
          let sum = 0n;
          for (const [a, b] of paths) sum += BigInt(a) * BigInt(b);
          const got = combineTwoHop(d, sum, paths.length);
          // exact value × 10·k·10^6 compared with got: got ≤ exact < got + 1
          const k = BigInt(Math.max(paths.length, 1));
          const exactNum =
            paths.length === 0 ? 7n * BigInt(d) : 7n * BigInt(d) * k * 1_000_000n + 3n * sum;
          const den = paths.length === 0 ? 10n : 10n * k * 1_000_000n;
          expect(BigInt(got) * den <= exactNum).toBe(true);
          expect(exactNum < (BigInt(got) + 1n) * den).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('attestations and supersede rules', () => {
  it('rejects bad signatures, self-edges and out-of-range scores with typed errors', () => {
    const g = new TrustGraph();
    const a = att(0, 1, 500_000);
    expect(() => g.apply({ ...a, score_ppm: 900_000 })).toThrow(
      expect.objectContaining({ code: 'TRUST_BAD_SIGNATURE' }),
    );
    expect(() => signAttestation(K[0]!, did(0), 1, 1)).toThrow(
      expect.objectContaining({ code: 'TRUST_SELF_EDGE' }),
    );
    expect(() => signAttestation(K[0]!, did(1), 1_000_001, 1)).toThrow(
      expect.objectContaining({ code: 'TRUST_SCORE_RANGE' }),
    );
    expect(() => g.apply({ ...a, issued_at: -1 } as SignedTrustAttestation)).toThrow(
      expect.objectContaining({ code: 'TRUST_ATTESTATION_FORMAT' }),
    );
    expect(g.edgeCount).toBe(0);
  });

  it('newer wins; older is stale; equal time is decided by the attestation hash; same is duplicate', () => {
    const g = new TrustGraph();
    expect(g.apply(att(0, 1, 100_000, 5)).status).toBe('inserted');
    expect(g.apply(att(0, 1, 900_000, 4)).status).toBe('stale');
    expect(g.directPpm(did(0).toString(), did(1).toString())).toBe(100_000);
    expect(g.apply(att(0, 1, 300_000, 6)).status).toBe('superseded');
    expect(g.apply(att(0, 1, 300_000, 6)).status).toBe('duplicate');
    const x = att(0, 1, 111_111, 7);
    const y = att(0, 1, 222_222, 7);
    const winner = attestationHash(x) > attestationHash(y) ? x : y;
    for (const order of [
      [x, y],
      [y, x],
    ]) {
      const h = new TrustGraph();
      for (const a of order) h.apply(a);
      expect(h.directPpm(did(0).toString(), did(1).toString())).toBe(winner.score_ppm);
    }
    expect(g.edgeCount).toBe(1);
  });

  it('property: any arrival order of the same attestations gives the same root and scores', () => {
    const pool: SignedTrustAttestation[] = [];
    for (let f = 0; f < 5; f++)
      for (let t = 0; t < 5; t++)
        if (f !== t)
          for (const at of [1, 2])
            pool.push(att(f, t, ((f * 7 + t * 13 + at * 31) % 11) * 90_000, at));
    fc.assert(
      fc.property(
        fc.subarray(pool, { minLength: 1 }),
        fc.infiniteStream(fc.nat()),
        (subset, rnd) => {
          const shuffled = subset
            .map((a) => [rnd.next().value, a] as const)
            .sort((p, q) => p[0] - q[0])
            .map((p) => p[1]);
          const g1 = new TrustGraph({ trustedInput: true });
          const g2 = new TrustGraph({ trustedInput: true });
          for (const a of subset) g1.apply(a);
          for (const a of shuffled) g2.apply(a);
          expect(g2.root()).toBe(g1.root());
          expect(g2.computeRoot()).toBe(g1.root()); // the cache never hides a difference
          for (let f = 0; f < 5; f++)
            expect(g2.scoresFrom(did(f).toString())).toEqual(g1.scoresFrom(did(f).toString()));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('capacity (ICN design caps)', () => {
  it('defaults are MAX_LOCAL_NODES 10,000 and MAX_LOCAL_EDGES 50,000', () => {
    const g = new TrustGraph();
    expect([MAX_LOCAL_NODES, MAX_LOCAL_EDGES, g.maxNodes, g.maxEdges]).toEqual([
      10_000, 50_000, 10_000, 50_000,
    ]);
  });

  it('edges beyond the cap → CapacityExceeded, nothing written; superseding an edge at the cap still works', () => {
    const g = new TrustGraph({ maxEdges: 3 });
    g.apply(att(0, 1, 1));
    g.apply(att(0, 2, 1));
    g.apply(att(0, 3, 1));
    const root = g.root();
    let err: unknown;
    try {
      g.apply(att(0, 4, 1));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CapacityExceeded);
    expect(isIcnError(err, 'TRUST_CAPACITY_EXCEEDED')).toBe(true);
    expect((err as CapacityExceeded).resource).toBe('edges');
    expect(g.root()).toBe(root);
    expect(g.apply(att(0, 1, 5, 2)).status).toBe('superseded');
    expect(g.root()).not.toBe(root); // the cached root is invalidated by every write
    expect(g.root()).toBe(g.computeRoot());
  });

  it('nodes beyond the cap → CapacityExceeded(nodes)', () => {
    const g = new TrustGraph({ maxNodes: 3 });
    g.apply(att(0, 1, 1));
    g.apply(att(1, 2, 1));
    g.apply(att(2, 0, 1)); // no new node
    expect(() => g.apply(att(2, 3, 1))).toThrow(
      expect.objectContaining({ code: 'TRUST_CAPACITY_EXCEEDED', resource: 'nodes' }),
    );
    expect(g.nodeCount).toBe(3);
  });
});

describe('graceful degradation (the seed fix)', () => {
  class FlakyStore extends MemoryTrustStore {
    failReads = false;
    override get(from: string, to: string): TrustEdge | undefined {
      if (this.failReads) throw new Error('disk read error');
      return super.get(from, to);
    }
  }

  it('a store error while reading an existing edge never loses the attestation: stored as new and counted', () => {
    const store = new FlakyStore();
    const g = new TrustGraph({ store });
    g.apply(att(0, 1, 100_000, 1));
    store.failReads = true;
    const r = g.apply(att(0, 1, 800_000, 2));
    expect(r).toMatchObject({ status: 'inserted', degraded: true });
    expect(g.edgeCount).toBe(2); // counted (conservative against the cap)
    expect(g.degradedReads).toBe(1);
    store.failReads = false;
    expect(g.directPpm(did(0).toString(), did(1).toString())).toBe(800_000);
  });

  it('the degraded insert still respects the cap', () => {
    const store = new FlakyStore();
    const g = new TrustGraph({ store, maxEdges: 1 });
    g.apply(att(0, 1, 100_000, 1));
    store.failReads = true;
    expect(() => g.apply(att(0, 1, 800_000, 2))).toThrow(CapacityExceeded);
  });

  it('a failed write is a typed error and the edge is not counted', () => {
    const store = new MemoryTrustStore();
    store.put = () => {
      throw new Error('disk full');
    };
    const g = new TrustGraph({ store });
    expect(() => g.apply(att(0, 1, 1))).toThrow(
      expect.objectContaining({ code: 'TRUST_STORE_WRITE' }),
    );
    expect(g.edgeCount).toBe(0);
  });
});
