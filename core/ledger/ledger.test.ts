import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex, type Hash } from '../hash/index.js';
import { Keypair } from '../identity/index.js';
import { signAttestation } from '../trust/attestation.js';
import { TrustGraph } from '../trust/graph.js';
import type { TrustOracle } from '../trust/oracle.js';
import { checkEntry, I64_MAX, signEntry, transferDraft, type JournalEntry } from './entry.js';
import { LedgerError } from './errors.js';
import { Ledger } from './ledger.js';
import { EMPTY_ROOT, MerkleTrie, verifyInclusion } from './merkle.js';

const kp = (n: number) => Keypair.fromSeed(new Uint8Array(32).fill(n));
const OWNER = kp(1);
const ALICE = kp(2);
const BOB = kp(3);
const everyone: TrustOracle = { scorePpm: () => 1_000_000 };
const ledger = (opts: Partial<ConstructorParameters<typeof Ledger>[0]> = {}) =>
  new Ledger({ owner: OWNER.did, trust: everyone, defaultCreditLimit: 1_000n, ...opts });

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof LedgerError) return e.code;
    throw e;
  }
  return 'OK';
}

const enc = new TextEncoder();
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, (o += p.length) - p.length);
  return out;
};
const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));
const idOf = (hexDigest: string) => `sha256:${hexDigest}` as Hash;

describe('journal Merkle trie', () => {
  // Independent recomputation: raw SHA-256 over hand-assembled bytes.
  const leaf = (k: Uint8Array) =>
    sha256(cat(enc.encode('icn/ledger/merkle-leaf/v1'), Uint8Array.of(0), k));
  const node = (bit: number, l: Uint8Array, r: Uint8Array) =>
    sha256(
      cat(enc.encode('icn/ledger/merkle-node/v1'), Uint8Array.of(0, bit >> 8, bit & 0xff), l, r),
    );

  it('matches a hand-built tree for three keys (split at bit 0, then at bit 9)', () => {
    const a = hex('00' + '11'.repeat(31)); // bit 0 = 0
    const b = hex('0040' + '22'.repeat(30)); // shares byte 0 with a; first diff with a at bit 9 (0x11 vs 0x40 → bit 9)
    const c = hex('80' + '33'.repeat(31)); // bit 0 = 1
    // a=00 11..., b=00 40...: byte1 0x11=00010001, 0x40=01000000: first differing bit index 1 within byte → bit 9
    const expected = node(0, node(9, leaf(a), leaf(b)), leaf(c));
    for (const order of [
      [a, b, c],
      [c, b, a],
      [b, c, a],
    ]) {
      const t = new MerkleTrie();
      for (const k of order) t.insert(idOf(toHex(k)));
      expect(t.root()).toBe(`sha256:${toHex(expected)}`);
    }
    expect(EMPTY_ROOT).toBe(
      `sha256:${toHex(sha256(cat(enc.encode('icn/ledger/merkle-node/v1'), Uint8Array.of(0))))}`,
    );
    const one = new MerkleTrie();
    one.insert(idOf(toHex(a)));
    expect(one.root()).toBe(`sha256:${toHex(leaf(a))}`);
  });

  it('proofs verify; a wrong id, a moved bit or a wrong root does not', () => {
    const t = new MerkleTrie();
    const ids = Array.from({ length: 50 }, (_, i) => idOf(toHex(sha256(Uint8Array.of(i)))));
    for (const id of ids) t.insert(id);
    const root = t.root();
    for (const id of ids) expect(verifyInclusion(root, t.prove(id))).toBe(true);
    const p = t.prove(ids[7]!);
    expect(verifyInclusion(root, { ...p, id: ids[8]! })).toBe(false);
    expect(
      verifyInclusion(root, {
        ...p,
        steps: p.steps.map((s, i) => (i === 0 ? { ...s, bit: s.bit + 1 } : s)),
      }),
    ).toBe(false);
    expect(verifyInclusion(root, { ...p, steps: p.steps.slice(1) })).toBe(false);
    expect(verifyInclusion(EMPTY_ROOT, p)).toBe(false);
    expect(verifyInclusion(root, { ...p, steps: [{ bit: 3, sibling: 'zz' }] })).toBe(false);
    expect(() => t.prove(idOf('ab'.repeat(32)))).toThrow(
      expect.objectContaining({ code: 'LEDGER_NOT_FOUND' }),
    );
  });

  it('property: any insertion order gives the same root; leaves are the sorted ids; every proof verifies', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.uint8Array({ minLength: 32, maxLength: 32 }), {
          minLength: 1,
          maxLength: 40,
          selector: (k) => toHex(k),
        }),
        fc.infiniteStream(fc.nat()),
        (keys, rnd) => {
          const ids = keys.map((k) => idOf(toHex(k)));
          const shuffled = ids
            .map((id) => [rnd.next().value, id] as const)
            .sort((x, y) => x[0] - y[0])
            .map((x) => x[1]);
          const t1 = new MerkleTrie();
          const t2 = new MerkleTrie();
          for (const id of ids) t1.insert(id);
          for (const id of shuffled) expect(t2.insert(id)).toBe(true);
          expect(t2.insert(ids[0]!)).toBe(false);
          expect(t2.root()).toBe(t1.root());
          expect(t1.ids()).toEqual([...ids].sort());
          for (const id of ids) expect(verifyInclusion(t1.root(), t2.prove(id))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('journal entries', () => {
  const raw = (
    accounts: {
      account_id: string;
      currency: string;
      debit: string | null;
      credit: string | null;
    }[],
  ): JournalEntry => {
    const body = {
      version: 'icn-ledger-entry/v1' as const,
      timestamp: 1,
      author: ALICE.did.toString(),
      contract_ref: null,
      accounts,
      parents: [],
      nonce: null,
      decision_receipt_id: null,
    };
    return { ...body, signature: ALICE.sign('icn/ledger/entry/v1', body) };
  };
  const line = (
    account_id: string,
    debit: string | null,
    credit: string | null,
    currency = 'hours',
  ) => ({ account_id, currency, debit, credit });

  it('accepts a balanced, signed entry; id excludes the signature', () => {
    const e = signEntry(ALICE, transferDraft('alice', 'bob', 5n, 'hours', 10));
    const c = checkEntry(e);
    expect(c.deltas).toEqual([
      { account_id: 'alice', currency: 'hours', net: -5n },
      { account_id: 'bob', currency: 'hours', net: 5n },
    ]);
    expect(checkEntry({ ...e, signature: 'ab'.repeat(64) }, false).id).toBe(c.id);
  });

  it('rejects bad entries with typed errors', () => {
    expect(codeOf(() => checkEntry(raw([line('a', '5', null), line('b', null, '4')])))).toBe(
      'LEDGER_UNBALANCED',
    );
    expect(codeOf(() => checkEntry(raw([line('a', '5', null), line('b', null, '5', 'eur')])))).toBe(
      'LEDGER_UNBALANCED',
    ); // balanced in sum, not per currency
    expect(codeOf(() => checkEntry(raw([line('a', '-5', null), line('b', null, '-5')])))).toBe(
      'LEDGER_NEGATIVE_AMOUNT',
    );
    expect(
      codeOf(() =>
        checkEntry(
          raw([line('a', '9223372036854775808', null), line('b', null, '9223372036854775808')]),
        ),
      ),
    ).toBe('LEDGER_OVERFLOW');
    // Each amount fits, the running per-currency sum does not: checked, never wrapped to 0.
    expect(
      codeOf(() =>
        checkEntry(
          raw([line('a', I64_MAX.toString(), null), line('b', '1', null), line('c', null, '1')]),
        ),
      ),
    ).toBe('LEDGER_OVERFLOW');
    expect(codeOf(() => checkEntry(raw([])))).toBe('LEDGER_EMPTY');
    expect(codeOf(() => checkEntry(raw([line('a', null, null)])))).toBe('LEDGER_EMPTY');
    expect(codeOf(() => checkEntry(raw([line('a', '05', null), line('b', null, '05')])))).toBe(
      'LEDGER_FORMAT',
    );
    expect(
      codeOf(() =>
        checkEntry({ ...raw([line('a', '5', null), line('b', null, '5')]), timestamp: 2 }),
      ),
    ).toBe('LEDGER_BAD_SIGNATURE');
    expect(codeOf(() => signEntry(ALICE, transferDraft('a', 'b', -1n, 'x', 0)))).toBe(
      'LEDGER_NEGATIVE_AMOUNT',
    );
    expect(
      codeOf(() =>
        signEntry(ALICE, {
          timestamp: 0,
          accounts: [
            { account_id: 'a', currency: 'x', debit: 2n },
            { account_id: 'b', currency: 'x', credit: 1n },
          ],
        }),
      ),
    ).toBe('LEDGER_UNBALANCED');
    const p = 'sha256:' + '0'.repeat(64);
    expect(
      codeOf(() =>
        checkEntry(
          { ...raw([line('a', '1', null), line('b', null, '1')]), parents: [p, p] },
          false,
        ),
      ),
    ).toBe('LEDGER_PARENTS_ORDER');
  });

  it('property: accepted iff every per-currency running sum stays in i64 and ends at 0 (bigint model)', () => {
    const amount = fc.oneof(
      fc.constant(null),
      fc.bigInt({ min: 0n, max: I64_MAX }).map(String),
      fc.constantFrom('0', '1', I64_MAX.toString()),
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            account_id: fc.constantFrom('a', 'b'),
            currency: fc.constantFrom('x', 'y'),
            debit: amount,
            credit: amount,
          }),
          { minLength: 1, maxLength: 5 },
        ),
        (lines) => {
          let expected = 'OK';
          const sums = new Map<string, bigint>();
          for (const l of lines) {
            if (l.debit === null && l.credit === null) {
              expected = 'LEDGER_EMPTY';
              break;
            }
            const s = (sums.get(l.currency) ?? 0n) + BigInt(l.debit ?? 0) - BigInt(l.credit ?? 0);
            if (s > I64_MAX || s < -I64_MAX - 1n) {
              expected = 'LEDGER_OVERFLOW';
              break;
            }
            sums.set(l.currency, s);
          }
          if (expected === 'OK' && [...sums.values()].some((s) => s !== 0n))
            expected = 'LEDGER_UNBALANCED';
          expect(codeOf(() => checkEntry(raw(lines)))).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('ledger', () => {
  it('derives balances, enforces credit limits, and the limit is part of the root', () => {
    const l = ledger({ defaultCreditLimit: 10n });
    const e1 = signEntry(ALICE, transferDraft('alice', 'bob', 10n, 'hours', 1));
    l.ingest(e1);
    expect([l.balance('alice', 'hours'), l.balance('bob', 'hours')]).toEqual([-10n, 10n]);
    const e2 = signEntry(
      ALICE,
      transferDraft('alice', 'bob', 1n, 'hours', 2, { parents: [checkEntry(e1).id] }),
    );
    const before = l.root();
    expect(codeOf(() => l.ingest(e2))).toBe('LEDGER_CREDIT_LIMIT');
    expect(l.root()).toBe(before);
    l.setCreditLimit('alice', 'hours', 11n);
    expect(l.root()).not.toBe(before);
    expect(l.ingest(e2).status).toBe('applied');
    expect(l.balance('alice', 'hours')).toBe(-11n);
    expect(l.recomputeBalances()).toEqual(
      new Map([
        ['alice\u0000hours', -11n],
        ['bob\u0000hours', 11n],
      ]),
    );
    expect(l.heads()).toEqual([checkEntry(e2).id]);
  });

  it('balances that would leave i64 are rejected (LEDGER_OVERFLOW), nothing applied', () => {
    const l = ledger({ defaultCreditLimit: I64_MAX });
    l.ingest(signEntry(ALICE, transferDraft('alice', 'bob', I64_MAX, 'x', 1)));
    expect(
      codeOf(() => l.ingest(signEntry(ALICE, transferDraft('carol', 'bob', 1n, 'x', 2)))),
    ).toBe('LEDGER_OVERFLOW');
    expect(l.balance('carol', 'x')).toBe(0n);
    expect(l.size).toBe(1);
  });

  it('author trust ≥ 0.1 through the TrustOracle (owner always passes)', () => {
    const g = new TrustGraph();
    const l = new Ledger({ owner: OWNER.did, trust: g, defaultCreditLimit: 100n });
    const e = signEntry(ALICE, transferDraft('alice', 'bob', 1n, 'x', 1));
    expect(codeOf(() => l.ingest(e))).toBe('LEDGER_AUTHOR_TRUST');
    g.apply(signAttestation(OWNER, ALICE.did, 142_857, 1)); // 0.7 × 0.142857 = 0.0999999 → 99_999 ppm
    expect(g.scorePpm(OWNER.did, ALICE.did)).toBe(99_999);
    expect(codeOf(() => l.ingest(e))).toBe('LEDGER_AUTHOR_TRUST');
    g.apply(signAttestation(OWNER, ALICE.did, 142_858, 2)); // → 100_000 ppm exactly
    expect(l.ingest(e).status).toBe('applied');
    expect(l.ingest(signEntry(OWNER, transferDraft('o', 'p', 1n, 'x', 1))).status).toBe('applied');
  });

  it('orphans wait for their parents and are released deterministically', () => {
    const l = ledger();
    const a = signEntry(ALICE, transferDraft('alice', 'bob', 1n, 'x', 1));
    const ida = checkEntry(a).id;
    const b = signEntry(BOB, transferDraft('bob', 'alice', 1n, 'x', 2, { parents: [ida] }));
    const c = signEntry(
      ALICE,
      transferDraft('alice', 'bob', 1n, 'x', 3, { parents: [ida, checkEntry(b).id].sort() }),
    );
    expect(l.ingest(c).status).toBe('pending');
    expect(l.ingest(b).status).toBe('pending');
    expect(l.journalRoot()).toBe(EMPTY_ROOT);
    const r = l.ingest(a);
    expect(r.status).toBe('applied');
    expect(r.released).toEqual([checkEntry(b).id, checkEntry(c).id]);
    expect(l.pendingCount).toBe(0);
    expect(l.ingest(a).status).toBe('duplicate');
  });

  it('applyBatch is atomic', () => {
    const l = ledger({ defaultCreditLimit: 5n });
    const ok = signEntry(ALICE, transferDraft('alice', 'bob', 5n, 'x', 1));
    const bad = signEntry(ALICE, transferDraft('alice', 'bob', 1n, 'x', 2));
    expect(codeOf(() => l.applyBatch([ok, bad]))).toBe('LEDGER_CREDIT_LIMIT');
    expect([l.size, l.balance('alice', 'x')]).toEqual([0, 0n]);
    expect(
      codeOf(() =>
        l.applyBatch([
          signEntry(
            ALICE,
            transferDraft('a', 'b', 1n, 'x', 1, {
              parents: [('sha256:' + '1'.repeat(64)) as Hash],
            }),
          ),
        ]),
      ),
    ).toBe('LEDGER_MISSING_PARENT');
    l.applyBatch([ok]);
    expect(l.balance('bob', 'x')).toBe(5n);
  });

  it('property: the same facts (a random DAG) ingested in any order give the same roots and balances', () => {
    const authors = [ALICE, BOB, kp(4)];
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            from: fc.nat(3),
            to: fc.nat(3),
            amount: fc.bigInt({ min: 0n, max: 50n }),
            author: fc.nat(2),
            parentPicks: fc.array(fc.nat(), { maxLength: 2 }),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        fc.infiniteStream(fc.nat()),
        (specs, rnd) => {
          const built: JournalEntry[] = [];
          const ids: Hash[] = [];
          specs.forEach((s, i) => {
            const parents =
              i === 0 ? [] : [...new Set(s.parentPicks.map((p) => ids[p % i]!))].sort();
            const e = signEntry(
              authors[s.author]!,
              transferDraft(`acct${s.from}`, `acct${s.to}`, s.amount, 'x', i, { parents }),
            );
            built.push(e);
            ids.push(checkEntry(e, false).id);
          });
          const shuffled = built
            .map((e) => [rnd.next().value, e] as const)
            .sort((x, y) => x[0] - y[0])
            .map((x) => x[1]);
          const l1 = ledger({ defaultCreditLimit: 10_000n });
          const l2 = ledger({ defaultCreditLimit: 10_000n });
          for (const e of built) l1.ingest(e);
          for (const e of shuffled) l2.ingest(e);
          expect(l2.pendingCount).toBe(0);
          expect(l2.journalRoot()).toBe(l1.journalRoot());
          expect(l2.root()).toBe(l1.root());
          expect(l2.allBalances()).toEqual(l1.allBalances());
          expect(l2.recomputeBalances()).toEqual(
            new Map(l2.allBalances().map((b) => [`${b.account_id}\u0000${b.currency}`, b.balance])),
          );
          for (const id of ids) expect(verifyInclusion(l1.journalRoot(), l2.prove(id))).toBe(true);
          // heads, maintained incrementally, equal the definition recomputed from the entries
          const named = new Set(built.flatMap((e) => e.parents));
          expect(l2.heads()).toEqual(ids.filter((id) => !named.has(id)).sort());
          expect(l1.heads()).toEqual(l2.heads());
        },
      ),
      { numRuns: 40 },
    );
  });
});
