/**
 * The consensus rule for a contract call's ledger operations, written once. Both LedgerPorts call
 * it (core/contracts InMemoryLedger, the reference; core/ledger JournalLedgerPort, the journal),
 * so they accept and reject exactly the same batches with the same code:
 *   1. op by op, in order: a credit limit is in 0..2^63-1; a transfer amount is positive, payer
 *      and payee differ, balances stay in i64 (LEDGER_OVERFLOW), the payer may not go below
 *      −(its limit at that moment; a SetCreditLimit earlier in the batch counts)
 *      (LEDGER_INSUFFICIENT_CREDIT);
 *   2. what the journal entry must encode: the call's timestamp is a non-negative safe integer
 *      (ms), transfer amounts fit i64, accounts and currencies are non-empty;
 *   3. after the last op, every account a transfer touched holds at least −(its final limit): the
 *      journal checks an entry's net result against the limits that take effect with it, so
 *      lowering a limit below a debt in the same call is refused by both ports.
 * The order is the journal's (its checks ran in this order before the rule was shared), so the
 * first failure, and so the code, is the one the journal always reported.
 * On failure it throws LedgerRejected; it never changes anything (the caller applies the result).
 */
import type { LedgerOp } from '../ccl/index.js';
import { IcnError } from '../errors.js';
import { I64_MAX, I64_MIN } from '../int-limits.js';

/** The codes a LedgerPort rejects a batch with (stable: they are execution outcomes). */
export type LedgerRejectedCode = 'LEDGER_INSUFFICIENT_CREDIT' | 'LEDGER_OVERFLOW' | 'LEDGER_BAD_OP';

export class LedgerRejected extends IcnError<LedgerRejectedCode> {
  override readonly name = 'LedgerRejected';
}

/** Balances and credit limits before the call. */
export interface LedgerView {
  balance(account: string, currency: string): bigint;
  creditLimit(account: string, currency: string): bigint;
}

/** A value per (account, currency): a balance or a credit limit. */
export interface AccountAmount {
  readonly account: string;
  readonly currency: string;
  readonly value: bigint;
}

/** What a batch changes, once the rule accepted it. */
export interface ContractLedgerChanges {
  /** The final balance of each (account, currency) a transfer touched, in first-touch order. */
  readonly balances: readonly AccountAmount[];
  /** The final credit limit per (account, currency) the ops set, in first-set order. */
  readonly limits: readonly AccountAmount[];
}

const key = (a: string, c: string) => `${a}\u0000${c}`;

function bad(i: number, why: string): LedgerRejected {
  return new LedgerRejected('LEDGER_BAD_OP', `op ${i}: ${why}`, { index: i });
}

/** The journal's entry timestamp is a ms number: the call's must fit one. */
function checkTimestamp(ts: bigint): void {
  if (ts < 0n || ts > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new LedgerRejected(
      'LEDGER_BAD_OP',
      `timestamp ${ts} is not a non-negative safe integer (ms)`,
    );
  }
}

/** Running balances and limits of one batch over a view of the ledger before it. */
class Batch {
  readonly bal = new Map<string, AccountAmount>();
  readonly lim = new Map<string, AccountAmount>();
  constructor(private readonly view: LedgerView) {}
  balance(a: string, c: string): bigint {
    return this.bal.get(key(a, c))?.value ?? this.view.balance(a, c);
  }
  limit(a: string, c: string): bigint {
    return this.lim.get(key(a, c))?.value ?? this.view.creditLimit(a, c);
  }
}

function applyLimit(b: Batch, op: LedgerOp & { k: 'SetCreditLimit' }, i: number): void {
  if (op.limit < 0n || op.limit > I64_MAX)
    throw bad(i, `credit limit ${op.limit} must be in 0..2^63-1`);
  b.lim.set(key(op.account, op.currency), {
    account: op.account,
    currency: op.currency,
    value: op.limit,
  });
}

function applyTransfer(b: Batch, op: LedgerOp & { k: 'LedgerTransfer' }, i: number): void {
  if (op.amount <= 0n) throw bad(i, `transfer amount ${op.amount} must be positive`);
  if (op.from === op.to) throw bad(i, 'transfer from an account to itself');
  const from = b.balance(op.from, op.currency) - op.amount;
  const to = b.balance(op.to, op.currency) + op.amount;
  if (from < I64_MIN || to > I64_MAX) {
    throw new LedgerRejected('LEDGER_OVERFLOW', `op ${i}: balance overflows i64`, { index: i });
  }
  const floor = -b.limit(op.from, op.currency);
  if (from < floor) {
    const msg = `op ${i}: ${op.from} would reach ${from} ${op.currency}, below its credit limit ${floor}`;
    throw new LedgerRejected('LEDGER_INSUFFICIENT_CREDIT', msg, { index: i, account: op.from });
  }
  b.bal.set(key(op.from, op.currency), { account: op.from, currency: op.currency, value: from });
  b.bal.set(key(op.to, op.currency), { account: op.to, currency: op.currency, value: to });
}

/** What the journal entry and its limit changes must encode (step 2 of the header). */
function checkEncodable(ops: readonly LedgerOp[], timestamp: bigint): void {
  checkTimestamp(timestamp);
  ops.forEach((op, i) => {
    if (op.k === 'LedgerTransfer' && op.amount > I64_MAX) {
      throw new LedgerRejected('LEDGER_OVERFLOW', `op ${i}: amount ${op.amount} does not fit i64`, {
        index: i,
      });
    }
  });
  ops.forEach((op, i) => {
    if (op.k === 'LedgerTransfer' && (op.from === '' || op.to === '' || op.currency === '')) {
      throw bad(i, 'transfer: accounts and currency must be non-empty');
    }
  });
  ops.forEach((op, i) => {
    if (op.k === 'SetCreditLimit' && (op.account === '' || op.currency === '')) {
      throw bad(i, 'credit limit: account and currency must be non-empty');
    }
  });
}

/** After the batch: no touched account below −(its final limit). */
function checkFinalLimits(b: Batch): void {
  for (const { account, currency, value } of b.bal.values()) {
    const floor = -b.limit(account, currency);
    if (value < floor) {
      const msg = `${account} would end the call at ${value} ${currency}, below its final credit limit ${floor}`;
      throw new LedgerRejected('LEDGER_INSUFFICIENT_CREDIT', msg, { account });
    }
  }
}

/**
 * Check a contract call's ledger ops against the ledger before it (see the header); returns the
 * balances and limits they leave. Throws LedgerRejected; changes nothing.
 */
export function checkContractOps(
  ops: readonly LedgerOp[],
  view: LedgerView,
  timestamp: bigint,
): ContractLedgerChanges {
  const b = new Batch(view);
  ops.forEach((op, i) =>
    op.k === 'SetCreditLimit' ? applyLimit(b, op, i) : applyTransfer(b, op, i),
  );
  checkEncodable(ops, timestamp);
  checkFinalLimits(b);
  return { balances: [...b.bal.values()], limits: [...b.lim.values()] };
}
