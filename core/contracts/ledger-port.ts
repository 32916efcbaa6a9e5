/**
 * What contracts need from a ledger: balances, credit limits, and applying a rule's ledger
 * operations atomically (all or nothing). The ledger area adapts its journal to this port; the
 * in-memory implementation here is the reference semantics and what tests use.
 *
 * Mutual credit: an account may go negative down to −creditLimit(account, currency); a transfer
 * that would go below fails the whole batch. All arithmetic is checked i64 (bigint). The rule
 * itself is core/ledger/contract-rule.ts, shared with the journal's port.
 */
import type { CanonicalValue } from '../canonical/index.js';
import type { LedgerOp } from '../ccl/index.js';
import type { Hash } from '../hash/index.js';
import { checkContractOps } from '../ledger/contract-rule.js';

export { LedgerRejected } from '../ledger/contract-rule.js';
export type { LedgerRejectedCode } from '../ledger/contract-rule.js';

export interface LedgerPort {
  balance(account: string, currency: string): bigint;
  creditLimit(account: string, currency: string): bigint;
  /**
   * Apply every op in order, or none: on any failure throw LedgerRejected (code
   * LEDGER_INSUFFICIENT_CREDIT, LEDGER_OVERFLOW, LEDGER_BAD_OP) and leave the ledger unchanged.
   * `context` identifies the execution (for the journal's contract_ref).
   */
  applyAtomically(
    ops: readonly LedgerOp[],
    context: { codeHash: Hash; rule: string; caller: string; timestamp: bigint },
  ): void;
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

  applyAtomically(ops: readonly LedgerOp[], context: { timestamp: bigint }): void {
    const changes = checkContractOps(ops, this, context.timestamp);
    for (const b of changes.balances) this.balances.set(key(b.account, b.currency), b.value);
    for (const l of changes.limits) this.limits.set(key(l.account, l.currency), l.value);
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
