import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LedgerOp } from '../ccl/index.js';
import { InMemoryLedger, LedgerRejected } from '../contracts/ledger-port.js';
import type { Hash } from '../hash/index.js';
import { Keypair } from '../identity/index.js';
import { checkEntry } from './entry.js';
import { Ledger } from './ledger.js';
import { verifyInclusion } from './merkle.js';
import { JournalLedgerPort } from './port-adapter.js';

const NODE = Keypair.fromSeed(new Uint8Array(32).fill(5));
const CTX = { codeHash: ('sha256:' + 'cd'.repeat(32)) as Hash, rule: 'record_service', caller: 'did:icn:zCaller', timestamp: 1_700_000_000_000n };
const fresh = () => new JournalLedgerPort(new Ledger({ owner: NODE.did, trust: { scorePpm: () => 0 } }), NODE);

function outcome(f: () => void): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof LedgerRejected) return e.code;
    throw e;
  }
}

/** Random contract ledger ops over three accounts and two currencies (transfers, credit limits). */
const accounts = ['a', 'b', 'c'];
const op = fc.oneof(
  fc.record({ k: fc.constant('LedgerTransfer' as const), from: fc.constantFrom(...accounts), to: fc.constantFrom(...accounts), amount: fc.bigInt({ min: 0n, max: 40n }), currency: fc.constantFrom('x', 'y') }),
  fc.record({ k: fc.constant('SetCreditLimit' as const), account: fc.constantFrom(...accounts), currency: fc.constantFrom('x', 'y'), limit: fc.bigInt({ min: 0n, max: 60n }) }),
);

describe('JournalLedgerPort (core/contracts LedgerPort over the journal)', () => {
  it('writes one signed, balanced entry per call, linked to the contract and chained to the heads', () => {
    const port = fresh();
    port.applyAtomically([{ k: 'SetCreditLimit', account: 'ann', currency: 'hours', limit: 10n }, { k: 'LedgerTransfer', from: 'ann', to: 'ben', amount: 4n, currency: 'hours' }, { k: 'LedgerTransfer', from: 'ann', to: 'cy', amount: 6n, currency: 'hours' }], CTX);
    expect([port.balance('ann', 'hours'), port.balance('ben', 'hours'), port.balance('cy', 'hours'), port.creditLimit('ann', 'hours')]).toEqual([-10n, 4n, 6n, 10n]);
    expect(port.written).toHaveLength(1);
    const e = port.ledger.get(port.written[0]!)!;
    expect(checkEntry(e).id).toBe(port.written[0]);
    expect(e).toMatchObject({ contract_ref: `${CTX.codeHash}#record_service`, nonce: 'caller:did:icn:zCaller', timestamp: 1_700_000_000_000, author: NODE.did.toString(), parents: [] });
    port.applyAtomically([{ k: 'LedgerTransfer', from: 'ben', to: 'ann', amount: 1n, currency: 'hours' }], CTX);
    expect(port.ledger.get(port.written[1]!)!.parents).toEqual([port.written[0]]);
    expect(verifyInclusion(port.ledger.journalRoot(), port.ledger.prove(port.written[1]!))).toBe(true);
  });

  it('rejects like the reference port and changes nothing', () => {
    const port = fresh();
    const root = port.ledger.root();
    expect(outcome(() => port.applyAtomically([{ k: 'LedgerTransfer', from: 'ann', to: 'ben', amount: 1n, currency: 'x' }], CTX))).toBe('LEDGER_INSUFFICIENT_CREDIT');
    expect(outcome(() => port.applyAtomically([{ k: 'SetCreditLimit', account: 'ann', currency: 'x', limit: 5n }, { k: 'LedgerTransfer', from: 'ann', to: 'ben', amount: 6n, currency: 'x' }], CTX))).toBe('LEDGER_INSUFFICIENT_CREDIT');
    expect(outcome(() => port.applyAtomically([{ k: 'LedgerTransfer', from: 'ann', to: 'ann', amount: 1n, currency: 'x' }], CTX))).toBe('LEDGER_BAD_OP');
    expect(outcome(() => port.applyAtomically([{ k: 'LedgerTransfer', from: 'ann', to: 'ben', amount: 0n, currency: 'x' }], CTX))).toBe('LEDGER_BAD_OP');
    expect(port.ledger.root()).toBe(root);
    expect(port.creditLimit('ann', 'x')).toBe(0n);
  });

  it('property: agrees with InMemoryLedger (the reference semantics) on random op batches', () => {
    fc.assert(
      fc.property(fc.array(fc.array(op, { maxLength: 5 }), { maxLength: 6 }), (batches) => {
        const ref = new InMemoryLedger();
        const port = fresh();
        for (const ops of batches as LedgerOp[][]) {
          // The documented stricter case: a touched account ends the call below its final limit.
          const probe = new InMemoryLedger();
          for (const a of accounts) for (const c of ['x', 'y']) {
            probe.setBalance(a, c, ref.balance(a, c));
            probe.setCreditLimit(a, c, ref.creditLimit(a, c));
          }
          const refOut = outcome(() => probe.applyAtomically(ops));
          let stricter = false;
          if (refOut === 'ok') {
            for (const o of ops) if (o.k === 'LedgerTransfer') for (const a of [o.from, o.to]) if (probe.balance(a, o.currency) < -probe.creditLimit(a, o.currency)) stricter = true;
          }
          const got = outcome(() => port.applyAtomically(ops, CTX));
          if (stricter) expect(got).toBe('LEDGER_INSUFFICIENT_CREDIT');
          else {
            expect(got).toBe(refOut);
            if (refOut === 'ok') ref.applyAtomically(ops);
          }
          for (const a of accounts) for (const c of ['x', 'y']) {
            expect(port.balance(a, c)).toBe(ref.balance(a, c));
            expect(port.creditLimit(a, c)).toBe(ref.creditLimit(a, c));
          }
        }
        expect(port.ledger.recomputeBalances()).toEqual(new Map(port.ledger.allBalances().map((b) => [`${b.account_id}\u0000${b.currency}`, b.balance])));
      }),
      { numRuns: 150 },
    );
  });

  it('property: a staged journal decides as applyAtomically does and changes nothing; committing its batch writes the same entry', () => {
    fc.assert(
      fc.property(fc.array(fc.array(op, { minLength: 1, maxLength: 5 }), { maxLength: 6 }), (batches) => {
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
      }),
      { numRuns: 150 },
    );
  });

  it('a staged batch that no longer applies is refused at check and commit, and changes nothing', () => {
    const port = fresh();
    port.applyAtomically([{ k: 'SetCreditLimit', account: 'ann', currency: 'x', limit: 5n }], CTX);
    const staged = port.staged();
    staged.applyAtomically([{ k: 'LedgerTransfer', from: 'ann', to: 'ben', amount: 5n, currency: 'x' }], CTX);
    expect(staged.batch!.entry).not.toBeNull();
    // Something else spends ann's credit in between.
    port.applyAtomically([{ k: 'LedgerTransfer', from: 'ann', to: 'cy', amount: 1n, currency: 'x' }], { ...CTX, timestamp: CTX.timestamp + 1n });
    const root = port.ledger.root();
    expect(outcome(() => port.check(staged.batch!))).toBe('LEDGER_INSUFFICIENT_CREDIT');
    expect(outcome(() => port.commit(staged.batch!))).toBe('LEDGER_INSUFFICIENT_CREDIT');
    expect(port.ledger.root()).toBe(root);
    // One execution, one batch.
    expect(() => staged.applyAtomically([], CTX)).toThrow(expect.objectContaining({ code: 'LEDGER_STAGED_TWICE' }));
  });
});
