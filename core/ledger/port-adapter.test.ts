import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LedgerOp } from '../ccl/index.js';
import { InMemoryLedger, LedgerRejected } from '../contracts/ledger-port.js';
import type { Hash } from '../hash/index.js';
import { Keypair } from '../identity/index.js';
import { checkContractOps } from './contract-rule.js';
import { checkEntry } from './entry.js';
import { I64_MAX } from '../int-limits.js';
import { Ledger } from './ledger.js';
import { verifyInclusion } from './merkle.js';
import { JournalLedgerPort } from './port-adapter.js';

const NODE = Keypair.fromSeed(new Uint8Array(32).fill(5));
const CTX = {
  codeHash: ('sha256:' + 'cd'.repeat(32)) as Hash,
  rule: 'record_service',
  caller: 'did:icn:zCaller',
  timestamp: 1_700_000_000_000n,
};
const fresh = () =>
  new JournalLedgerPort(new Ledger({ owner: NODE.did, trust: { scorePpm: () => 0 } }), NODE);

function rejection(f: () => void): LedgerRejected | null {
  try {
    f();
    return null;
  } catch (e) {
    if (e instanceof LedgerRejected) return e;
    throw e;
  }
}

function outcome(f: () => void): string {
  return rejection(f)?.code ?? 'ok';
}

/** Random contract ledger ops over three accounts and two currencies (transfers, credit limits). */
const accounts = ['a', 'b', 'c'];
const op = fc.oneof(
  fc.record({
    k: fc.constant('LedgerTransfer' as const),
    from: fc.constantFrom(...accounts),
    to: fc.constantFrom(...accounts),
    amount: fc.bigInt({ min: 0n, max: 40n }),
    currency: fc.constantFrom('x', 'y'),
  }),
  fc.record({
    k: fc.constant('SetCreditLimit' as const),
    account: fc.constantFrom(...accounts),
    currency: fc.constantFrom('x', 'y'),
    limit: fc.bigInt({ min: 0n, max: 60n }),
  }),
);

/** A batch that sets a limit, spends on it and lowers it (the input the two ports disagreed on). */
const lowering = fc
  .record({
    a: fc.constantFrom(...accounts),
    b: fc.constantFrom(...accounts),
    c: fc.constantFrom('x', 'y'),
    high: fc.bigInt({ min: 0n, max: 60n }),
    amount: fc.bigInt({ min: 1n, max: 40n }),
    low: fc.bigInt({ min: 0n, max: 60n }),
  })
  .filter(({ a, b }) => a !== b)
  .map(({ a, b, c, high, amount, low }): LedgerOp[] => [
    { k: 'SetCreditLimit', account: a, currency: c, limit: high },
    { k: 'LedgerTransfer', from: a, to: b, amount, currency: c },
    { k: 'SetCreditLimit', account: a, currency: c, limit: low },
  ]);
const batch = fc.oneof(
  { weight: 3, arbitrary: fc.array(op, { maxLength: 5 }) },
  { weight: 1, arbitrary: lowering },
);

describe('JournalLedgerPort (core/contracts LedgerPort over the journal)', () => {
  it('writes one signed, balanced entry per call, linked to the contract and chained to the heads', () => {
    const port = fresh();
    port.applyAtomically(
      [
        { k: 'SetCreditLimit', account: 'ann', currency: 'hours', limit: 10n },
        { k: 'LedgerTransfer', from: 'ann', to: 'ben', amount: 4n, currency: 'hours' },
        { k: 'LedgerTransfer', from: 'ann', to: 'cy', amount: 6n, currency: 'hours' },
      ],
      CTX,
    );
    expect([
      port.balance('ann', 'hours'),
      port.balance('ben', 'hours'),
      port.balance('cy', 'hours'),
      port.creditLimit('ann', 'hours'),
    ]).toEqual([-10n, 4n, 6n, 10n]);
    expect(port.written).toHaveLength(1);
    const e = port.ledger.get(port.written[0]!)!;
    expect(checkEntry(e).id).toBe(port.written[0]);
    expect(e).toMatchObject({
      contract_ref: `${CTX.codeHash}#record_service`,
      nonce: 'caller:did:icn:zCaller',
      timestamp: 1_700_000_000_000,
      author: NODE.did.toString(),
      parents: [],
    });
    port.applyAtomically(
      [{ k: 'LedgerTransfer', from: 'ben', to: 'ann', amount: 1n, currency: 'hours' }],
      CTX,
    );
    expect(port.ledger.get(port.written[1]!)!.parents).toEqual([port.written[0]]);
    expect(verifyInclusion(port.ledger.journalRoot(), port.ledger.prove(port.written[1]!))).toBe(
      true,
    );
  });

  it('rejects like the reference port and changes nothing', () => {
    const port = fresh();
    const root = port.ledger.root();
    expect(
      outcome(() =>
        port.applyAtomically(
          [{ k: 'LedgerTransfer', from: 'ann', to: 'ben', amount: 1n, currency: 'x' }],
          CTX,
        ),
      ),
    ).toBe('LEDGER_INSUFFICIENT_CREDIT');
    expect(
      outcome(() =>
        port.applyAtomically(
          [
            { k: 'SetCreditLimit', account: 'ann', currency: 'x', limit: 5n },
            { k: 'LedgerTransfer', from: 'ann', to: 'ben', amount: 6n, currency: 'x' },
          ],
          CTX,
        ),
      ),
    ).toBe('LEDGER_INSUFFICIENT_CREDIT');
    expect(
      outcome(() =>
        port.applyAtomically(
          [{ k: 'LedgerTransfer', from: 'ann', to: 'ann', amount: 1n, currency: 'x' }],
          CTX,
        ),
      ),
    ).toBe('LEDGER_BAD_OP');
    expect(
      outcome(() =>
        port.applyAtomically(
          [{ k: 'LedgerTransfer', from: 'ann', to: 'ben', amount: 0n, currency: 'x' }],
          CTX,
        ),
      ),
    ).toBe('LEDGER_BAD_OP');
    expect(port.ledger.root()).toBe(root);
    expect(port.creditLimit('ann', 'x')).toBe(0n);
  });

  it('both ports now refuse the batch they used to disagree on: a limit lowered below a debt in the same call', () => {
    // Before the rule was shared, InMemoryLedger accepted this (each op passed when it ran) and the
    // journal refused it (the entry's net result is checked against the final limits).
    const lowered: LedgerOp[] = [
      { k: 'SetCreditLimit', account: 'ann', currency: 'x', limit: 10n },
      { k: 'LedgerTransfer', from: 'ann', to: 'ben', amount: 8n, currency: 'x' },
      { k: 'SetCreditLimit', account: 'ann', currency: 'x', limit: 5n },
    ];
    const ref = new InMemoryLedger();
    const port = fresh();
    expect(outcome(() => ref.applyAtomically(lowered, CTX))).toBe('LEDGER_INSUFFICIENT_CREDIT');
    expect(outcome(() => port.applyAtomically(lowered, CTX))).toBe('LEDGER_INSUFFICIENT_CREDIT');
    expect([ref.balance('ann', 'x'), ref.creditLimit('ann', 'x'), ref.batches]).toEqual([
      0n,
      0n,
      0,
    ]);
    expect(port.written).toEqual([]);
    // The same lowering is fine when the account ends the call within the new limit.
    const within = [
      ...lowered.slice(0, 2),
      { k: 'SetCreditLimit' as const, account: 'ann', currency: 'x', limit: 8n },
    ];
    expect(outcome(() => ref.applyAtomically(within, CTX))).toBe('ok');
    expect(outcome(() => port.applyAtomically(within, CTX))).toBe('ok');
  });

  it('both ports refuse what the journal cannot encode: a timestamp beyond 2^53 ms, an amount beyond i64, an empty account', () => {
    const big = 1n << 63n;
    const cases: [LedgerOp[], bigint, string][] = [
      [
        [{ k: 'SetCreditLimit', account: 'ann', currency: 'x', limit: 1n }],
        BigInt(Number.MAX_SAFE_INTEGER) + 1n,
        'LEDGER_BAD_OP',
      ],
      [[{ k: 'SetCreditLimit', account: '', currency: 'x', limit: 1n }], 0n, 'LEDGER_BAD_OP'],
      [
        [
          { k: 'SetCreditLimit', account: 'ann', currency: 'x', limit: 5n },
          { k: 'LedgerTransfer', from: 'ann', to: '', amount: 1n, currency: 'x' },
        ],
        0n,
        'LEDGER_BAD_OP',
      ],
    ];
    for (const [ops, timestamp, code] of cases) {
      expect(outcome(() => new InMemoryLedger().applyAtomically(ops, { ...CTX, timestamp }))).toBe(
        code,
      );
      expect(outcome(() => fresh().applyAtomically(ops, { ...CTX, timestamp }))).toBe(code);
    }
    // An amount of 2^63 passes the i64 balance checks when the payer is rich and the payee in debt.
    const ref = new InMemoryLedger();
    ref.setBalance('ann', 'x', I64_MAX);
    ref.setBalance('ben', 'x', -10n);
    ref.setCreditLimit('ann', 'x', 10n);
    ref.setCreditLimit('ben', 'x', 10n);
    const ops: LedgerOp[] = [
      { k: 'LedgerTransfer', from: 'ann', to: 'ben', amount: big, currency: 'x' },
    ];
    expect(outcome(() => ref.applyAtomically(ops, CTX))).toBe('LEDGER_OVERFLOW');
    expect(outcome(() => checkContractOps(ops, ref, CTX.timestamp))).toBe('LEDGER_OVERFLOW');
  });

  it('property: agrees exactly with InMemoryLedger (same code, balances and limits) on random op batches', () => {
    // Batches refused only by the final-limit step (every op passed when it ran): the input the
    // ports used to disagree on. Counted so the property is known to sample it.
    let finalOnly = 0;
    fc.assert(
      fc.property(fc.array(batch, { maxLength: 6 }), (batches) => {
        const ref = new InMemoryLedger();
        const port = fresh();
        for (const ops of batches as LedgerOp[][]) {
          const refErr = rejection(() => ref.applyAtomically(ops, CTX));
          const refOut = refErr?.code ?? 'ok';
          if (refOut === 'LEDGER_INSUFFICIENT_CREDIT' && refErr?.details.index === undefined)
            finalOnly++;
          expect(outcome(() => port.applyAtomically(ops, CTX))).toBe(refOut);
          for (const a of accounts)
            for (const c of ['x', 'y']) {
              expect(port.balance(a, c)).toBe(ref.balance(a, c));
              expect(port.creditLimit(a, c)).toBe(ref.creditLimit(a, c));
            }
        }
        expect(port.ledger.recomputeBalances()).toEqual(
          new Map(
            port.ledger.allBalances().map((b) => [`${b.account_id}\u0000${b.currency}`, b.balance]),
          ),
        );
      }),
      { numRuns: 150, seed: 18 },
    );
    expect(finalOnly).toBeGreaterThan(0);
  });

  it('property: a staged journal decides as applyAtomically does and changes nothing; committing its batch writes the same entry', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(op, { minLength: 1, maxLength: 5 }), { maxLength: 6 }),
        (batches) => {
          const direct = fresh();
          const port = fresh();
          for (const ops of batches as LedgerOp[][]) {
            const want = outcome(() => direct.applyAtomically(ops, CTX));
            const root = port.ledger.root();
            const heads = port.ledger.heads();
            const staged = port.staged();
            expect(outcome(() => staged.applyAtomically(ops, CTX))).toBe(want);
            expect(port.ledger.root()).toBe(root);
            expect(port.ledger.heads()).toEqual(heads);
            if (want === 'ok') port.commit(staged.batch!);
            else expect(staged.batch).toBeNull();
            expect(port.ledger.root()).toBe(direct.ledger.root());
            expect(port.written).toEqual(direct.written);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a staged batch that no longer applies is refused at check and commit, and changes nothing', () => {
    const port = fresh();
    port.applyAtomically([{ k: 'SetCreditLimit', account: 'ann', currency: 'x', limit: 5n }], CTX);
    const staged = port.staged();
    staged.applyAtomically(
      [{ k: 'LedgerTransfer', from: 'ann', to: 'ben', amount: 5n, currency: 'x' }],
      CTX,
    );
    expect(staged.batch!.entry).not.toBeNull();
    // Something else spends ann's credit in between.
    port.applyAtomically(
      [{ k: 'LedgerTransfer', from: 'ann', to: 'cy', amount: 1n, currency: 'x' }],
      { ...CTX, timestamp: CTX.timestamp + 1n },
    );
    const root = port.ledger.root();
    expect(outcome(() => port.check(staged.batch!))).toBe('LEDGER_INSUFFICIENT_CREDIT');
    expect(outcome(() => port.commit(staged.batch!))).toBe('LEDGER_INSUFFICIENT_CREDIT');
    expect(port.ledger.root()).toBe(root);
    // One execution, one batch.
    expect(() => staged.applyAtomically([], CTX)).toThrow(
      expect.objectContaining({ code: 'LEDGER_STAGED_TWICE' }),
    );
  });
});
