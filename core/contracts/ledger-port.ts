/**
 * What contracts need from a ledger: balances, credit limits, and applying a rule's ledger
 * operations atomically (all or nothing). The ledger area adapts its journal to this port; the
 * in-memory implementation here is the reference semantics and what tests use.
 *
 * Mutual credit: an account may go negative down to −creditLimit(account, currency); a transfer
 * that would go below fails the whole batch. All arithmetic is checked i64 (bigint).
 */
import type { CanonicalValue } from '../canonical/index.js';
import type { LedgerOp } from '../ccl/index.js';
import { IcnError } from '../errors.js';
import type { Hash } from '../hash/index.js';

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

export class LedgerRejected extends IcnError {
  override readonly name = 'LedgerRejected';
}

export interface LedgerPort {
  balance(account: string, currency: string): bigint;
  creditLimit(account: string, currency: string): bigint;
  /**
   * Apply every op in order, or none: on any failure throw LedgerRejected (code
   * LEDGER_INSUFFICIENT_CREDIT, LEDGER_OVERFLOW, LEDGER_BAD_OP) and leave the ledger unchanged.
   * `context` identifies the execution (for the journal's contract_ref).
   */
  applyAtomically(ops: readonly LedgerOp[], context: { codeHash: Hash; rule: string; caller: string; timestamp: bigint }): void;
}

function key(account: string, currency: string): string {
  return `${account}\u0000${currency}`;
}

/** The reference LedgerPort: balances and credit limits in memory, atomic batches. */
export class InMemoryLedger implements LedgerPort {
  private readonly balances = new Map<string, bigint>();
  private readonly limits = new Map<string, bigint>();
  /** How many batches were applied (for tests and metrics). */
  batches = 0;

  balance(account: string, currency: string): bigint {
    return this.balances.get(key(account, currency)) ?? 0n;
  }

  creditLimit(account: string, currency: string): bigint {
    return this.limits.get(key(account, currency)) ?? 0n;
  }

  /** Seed a balance or limit directly (tests, genesis). */
  setBalance(account: string, currency: string, amount: bigint): void {
    this.balances.set(key(account, currency), amount);
  }

  setCreditLimit(account: string, currency: string, limit: bigint): void {
    this.limits.set(key(account, currency), limit);
  }

  applyAtomically(ops: readonly LedgerOp[]): void {
    const bal = new Map<string, bigint>();
    const lim = new Map<string, bigint>();
    const getB = (a: string, c: string) => bal.get(key(a, c)) ?? this.balance(a, c);
    const getL = (a: string, c: string) => lim.get(key(a, c)) ?? this.creditLimit(a, c);
    ops.forEach((op, i) => {
      if (op.k === 'SetCreditLimit') {
        if (op.limit < 0n || op.limit > I64_MAX) throw new LedgerRejected('LEDGER_BAD_OP', `op ${i}: credit limit ${op.limit} must be in 0..2^63-1`, { index: i });
        lim.set(key(op.account, op.currency), op.limit);
        return;
      }
      if (op.amount <= 0n) throw new LedgerRejected('LEDGER_BAD_OP', `op ${i}: transfer amount ${op.amount} must be positive`, { index: i });
      if (op.from === op.to) throw new LedgerRejected('LEDGER_BAD_OP', `op ${i}: transfer from an account to itself`, { index: i });
      const from = getB(op.from, op.currency) - op.amount;
      const to = getB(op.to, op.currency) + op.amount;
      if (from < I64_MIN || to > I64_MAX) throw new LedgerRejected('LEDGER_OVERFLOW', `op ${i}: balance overflows i64`, { index: i });
      const floor = -getL(op.from, op.currency);
      if (from < floor) {
        throw new LedgerRejected('LEDGER_INSUFFICIENT_CREDIT', `op ${i}: ${op.from} would reach ${from} ${op.currency}, below its credit limit ${floor}`, { index: i, account: op.from });
      }
      bal.set(key(op.from, op.currency), from);
      bal.set(key(op.to, op.currency), to);
    });
    for (const [k, v] of bal) this.balances.set(k, v);
    for (const [k, v] of lim) this.limits.set(k, v);
    this.batches++;
  }

  /** Canonical snapshot: accounts sorted, i64 as strings. */
  snapshot(): CanonicalValue {
    const rows = (m: Map<string, bigint>) =>
      [...m.entries()]
        .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .map(([k, v]) => {
          const [account, currency] = k.split('\u0000') as [string, string];
          return { account, currency, value: v.toString() };
        });
    return { balances: rows(this.balances), creditLimits: rows(this.limits) };
  }

}
