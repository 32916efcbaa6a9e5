/**
 * The journal behind core/contracts' LedgerPort: a contract rule's ledger operations become one
 * signed journal entry (and credit-limit changes), applied atomically.
 *
 * Semantics are the port's reference semantics (InMemoryLedger), checked op by op before anything
 * is written: transfer amounts > 0, no self-transfer, checked i64, the payer may not go below
 * −creditLimit at the moment of its op (a SetCreditLimit earlier in the batch counts). Then:
 *   - all transfers of the call → one balanced entry, one debit line (payer) and one credit line
 *     (payee) per op, in op order; author = the node key; parents = the current DAG heads;
 *     contract_ref = "<codeHash>#<rule>"; nonce = "caller:<caller>"; timestamp = context.timestamp;
 *   - the final credit limits take effect atomically with that entry.
 * The ledger re-checks the entry (balance, i64, limits on the net result); if that fails the call
 * is rejected and nothing changes. One known stricter case: lowering a limit below an account's
 * debt in the same call that touches the account is rejected here (the port would accept it).
 */
import type { LedgerOp } from '../ccl/index.js';
import { LedgerRejected, type LedgerPort } from '../contracts/ledger-port.js';
import type { Hash } from '../hash/index.js';
import type { Keypair } from '../identity/index.js';
import { I64_MAX, I64_MIN, signEntry, type EntryDraft } from './entry.js';
import { LedgerError } from './errors.js';
import type { CreditLimitChange, Ledger } from './ledger.js';

const key = (a: string, c: string) => `${a}\u0000${c}`;

export class JournalLedgerPort implements LedgerPort {
  /** Ids of the entries this port wrote, in order. */
  readonly written: Hash[] = [];

  constructor(
    readonly ledger: Ledger,
    private readonly nodeKey: Keypair,
  ) {}

  balance(account: string, currency: string): bigint {
    return this.ledger.balance(account, currency);
  }

  creditLimit(account: string, currency: string): bigint {
    return this.ledger.creditLimit(account, currency);
  }

  applyAtomically(ops: readonly LedgerOp[], context: { codeHash: Hash; rule: string; caller: string; timestamp: bigint }): void {
    const bal = new Map<string, bigint>();
    const lim = new Map<string, CreditLimitChange>();
    const getB = (a: string, c: string) => bal.get(key(a, c)) ?? this.ledger.balance(a, c);
    const getL = (a: string, c: string) => lim.get(key(a, c))?.limit ?? this.ledger.creditLimit(a, c);
    const lines: EntryDraft['accounts'] = [];
    ops.forEach((op, i) => {
      if (op.k === 'SetCreditLimit') {
        if (op.limit < 0n || op.limit > I64_MAX) throw new LedgerRejected('LEDGER_BAD_OP', `op ${i}: credit limit ${op.limit} must be in 0..2^63-1`, { index: i });
        lim.set(key(op.account, op.currency), { account: op.account, currency: op.currency, limit: op.limit });
        return;
      }
      if (op.amount <= 0n) throw new LedgerRejected('LEDGER_BAD_OP', `op ${i}: transfer amount ${op.amount} must be positive`, { index: i });
      if (op.from === op.to) throw new LedgerRejected('LEDGER_BAD_OP', `op ${i}: transfer from an account to itself`, { index: i });
      const from = getB(op.from, op.currency) - op.amount;
      const to = getB(op.to, op.currency) + op.amount;
      if (from < I64_MIN || to > I64_MAX) throw new LedgerRejected('LEDGER_OVERFLOW', `op ${i}: balance overflows i64`, { index: i });
      const floor = -getL(op.from, op.currency);
      if (from < floor) throw new LedgerRejected('LEDGER_INSUFFICIENT_CREDIT', `op ${i}: ${op.from} would reach ${from} ${op.currency}, below its credit limit ${floor}`, { index: i, account: op.from });
      bal.set(key(op.from, op.currency), from);
      bal.set(key(op.to, op.currency), to);
      lines.push({ account_id: op.from, currency: op.currency, debit: op.amount }, { account_id: op.to, currency: op.currency, credit: op.amount });
    });
    const ts = context.timestamp;
    if (ts < 0n || ts > BigInt(Number.MAX_SAFE_INTEGER)) throw new LedgerRejected('LEDGER_BAD_OP', `timestamp ${ts} is not a non-negative safe integer (ms)`);
    try {
      const entries = lines.length === 0 ? [] : [signEntry(this.nodeKey, { timestamp: Number(ts), accounts: lines, parents: this.ledger.heads(), contract_ref: `${context.codeHash}#${context.rule}`, nonce: `caller:${context.caller}` })];
      const ids = this.ledger.applyBatch(entries, false, [...lim.values()]);
      this.written.push(...ids);
    } catch (e) {
      if (!(e instanceof LedgerError)) throw e;
      const code = e.code === 'LEDGER_CREDIT_LIMIT' ? 'LEDGER_INSUFFICIENT_CREDIT' : e.code === 'LEDGER_OVERFLOW' ? 'LEDGER_OVERFLOW' : 'LEDGER_BAD_OP';
      throw new LedgerRejected(code, `journal rejected the contract's ledger ops: ${e.message}`, { cause: e.code });
    }
  }
}
