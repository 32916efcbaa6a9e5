/** Typed errors of the ledger. Codes are stable; tests and callers match on them. */
import { IcnError } from '../errors.js';

export type LedgerErrorCode =
  | 'LEDGER_FORMAT' // malformed entry (field types, versions, DIDs, hashes)
  | 'LEDGER_EMPTY' // no account deltas, or a delta with neither debit nor credit
  | 'LEDGER_NEGATIVE_AMOUNT' // a debit or credit below zero
  | 'LEDGER_UNBALANCED' // Σ(debit − credit) ≠ 0 for a currency
  | 'LEDGER_OVERFLOW' // an amount, a per-currency sum or a balance leaves i64
  | 'LEDGER_PARENTS_ORDER' // parents not sorted and unique
  | 'LEDGER_BAD_SIGNATURE' // the author's signature does not verify
  | 'LEDGER_AUTHOR_TRUST' // author trust below the minimum (0.1)
  | 'LEDGER_CREDIT_LIMIT' // a balance would go below −limit
  | 'LEDGER_MISSING_PARENT' // (batch) a parent is neither applied nor earlier in the batch
  | 'LEDGER_PENDING_FULL' // too many entries waiting for parents
  | 'LEDGER_NOT_FOUND'
  | 'LEDGER_STAGED_TWICE'; // (a staged journal) a second batch for one execution

export class LedgerError extends IcnError<LedgerErrorCode> {
  override readonly name = 'LedgerError';
}

declare module '../errors.js' {
  interface ErrorCodes {
    ledger: LedgerErrorCode | import('./contract-rule.js').LedgerRejectedCode;
  }
}
