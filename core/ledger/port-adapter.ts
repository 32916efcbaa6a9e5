/**
 * The journal behind core/contracts' LedgerPort: a contract rule's ledger operations become one
 * signed journal entry (and credit-limit changes), applied atomically.
 *
 * The ops are checked by the one contract ledger rule (contract-rule.ts, which InMemoryLedger, the
 * reference port, calls too) before anything is written. Then:
 *   - all transfers of the call → one balanced entry, one debit line (payer) and one credit line
 *     (payee) per op, in op order; author = the node key; parents = the current DAG heads;
 *     contract_ref = "<codeHash>#<rule>"; nonce = "caller:<caller>"; timestamp = context.timestamp;
 *   - the final credit limits take effect atomically with that entry.
 * The ledger re-checks the entry (balance, i64, limits on the net result); the rule already
 * refused every batch that re-check would refuse, so both ports agree on every batch
 * (port-adapter.test.ts).
 */
import type { LedgerOp } from '../ccl/index.js';
import { IcnError } from '../errors.js';
import type { LedgerPort } from '../contracts/ledger-port.js';
import type { Hash } from '../hash/index.js';
import type { Keypair } from '../identity/index.js';
import { checkContractOps, LedgerRejected } from './contract-rule.js';
import { signEntry, type EntryDraft, type JournalEntry } from './entry.js';
import { LedgerError } from './errors.js';
import type { CreditLimitChange, Ledger } from './ledger.js';

const key = (a: string, c: string) => `${a}\u0000${c}`;

export interface ContractLedgerEffects {
  /** The entry draft (parents not included: the writer's DAG heads), or null when no op transfers. */
  draft: Omit<EntryDraft, 'parents'> | null;
  /** The final credit limit per (account, currency) the ops set, in first-set order. */
  limits: CreditLimitChange[];
}

/**
 * What a contract call's ledger ops become in the journal, shaped exactly as JournalLedgerPort
 * writes them: one debit line and one credit line per transfer (op order), contract_ref
 * "<codeHash>#<rule>", nonce "caller:<caller>", the call's timestamp; the last limit per account.
 * No balance checks (the ledger does those when the entry is applied): a node re-derives this from
 * a gossiped receipt's ops to check the entry the executor signed.
 */
export function contractLedgerEffects(
  ops: readonly LedgerOp[],
  context: { codeHash: Hash; rule: string; caller: string; timestamp: bigint },
): ContractLedgerEffects {
  const lines: EntryDraft['accounts'] = [];
  const lim = new Map<string, CreditLimitChange>();
  for (const op of ops) {
    if (op.k === 'SetCreditLimit')
      lim.set(key(op.account, op.currency), {
        account: op.account,
        currency: op.currency,
        limit: op.limit,
      });
    else
      lines.push(
        { account_id: op.from, currency: op.currency, debit: op.amount },
        { account_id: op.to, currency: op.currency, credit: op.amount },
      );
  }
  const ts = context.timestamp;
  if (ts < 0n || ts > BigInt(Number.MAX_SAFE_INTEGER))
    throw new LedgerRejected(
      'LEDGER_BAD_OP',
      `timestamp ${ts} is not a non-negative safe integer (ms)`,
    );
  const draft =
    lines.length === 0
      ? null
      : {
          timestamp: Number(ts),
          accounts: lines,
          contract_ref: `${context.codeHash}#${context.rule}`,
          nonce: `caller:${context.caller}`,
        };
  return { draft, limits: [...lim.values()] };
}

/** A contract call's ledger ops as the journal writes them: checked and signed, not yet applied. */
export interface JournalBatch {
  /** The signed entry (null: the ops only set credit limits). */
  readonly entry: JournalEntry | null;
  /** The final credit limits the ops set, applied atomically with the entry. */
  readonly limits: readonly CreditLimitChange[];
}

/** A LedgerError from the journal, as the port's rejection (the codes contracts know). */
function rejected(e: LedgerError): LedgerRejected {
  const code =
    e.code === 'LEDGER_CREDIT_LIMIT'
      ? 'LEDGER_INSUFFICIENT_CREDIT'
      : e.code === 'LEDGER_OVERFLOW'
        ? 'LEDGER_OVERFLOW'
        : 'LEDGER_BAD_OP';
  return new LedgerRejected(code, `journal rejected the contract's ledger ops: ${e.message}`, {
    cause: e.code,
  });
}

export class JournalLedgerPort implements LedgerPort {
  /** Ids of the entries this port wrote, in order. */
  readonly written: Hash[] = [];
  /** The entry the last successful applyAtomically (or commit) wrote (null: it only changed limits, or nothing). */
  lastEntry: JournalEntry | null = null;

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

  applyAtomically(
    ops: readonly LedgerOp[],
    context: { codeHash: Hash; rule: string; caller: string; timestamp: bigint },
  ): void {
    this.lastEntry = null;
    this.commit(this.prepare(ops, context));
  }

  /**
   * What applyAtomically(ops, context) would write, checked exactly as it checks (the same
   * LedgerRejected), changing nothing. commit() applies it.
   */
  prepare(
    ops: readonly LedgerOp[],
    context: { codeHash: Hash; rule: string; caller: string; timestamp: bigint },
  ): JournalBatch {
    checkContractOps(ops, this.ledger, context.timestamp);
    // The checks above passed: shape the entry exactly as a verifier re-derives it.
    const fx = contractLedgerEffects(ops, context);
    let entry: JournalEntry | null;
    try {
      entry =
        fx.draft === null
          ? null
          : signEntry(this.nodeKey, { ...fx.draft, parents: this.ledger.heads() });
    } catch (e) {
      if (!(e instanceof LedgerError)) throw e;
      throw rejected(e);
    }
    this.check({ entry, limits: fx.limits });
    return { entry, limits: fx.limits };
  }

  /** Throws the LedgerRejected commit(batch) would throw now; changes nothing. */
  check(batch: JournalBatch): void {
    try {
      this.ledger.checkBatch(batch.entry ? [batch.entry] : [], false, batch.limits);
    } catch (e) {
      if (!(e instanceof LedgerError)) throw e;
      throw rejected(e);
    }
  }

  /** Apply a prepared batch atomically (LedgerRejected, and nothing changed, if it no longer applies). */
  commit(batch: JournalBatch): void {
    let ids: Hash[];
    try {
      ids = this.ledger.applyBatch(batch.entry ? [batch.entry] : [], false, batch.limits);
    } catch (e) {
      if (!(e instanceof LedgerError)) throw e;
      throw rejected(e);
    }
    this.written.push(...ids);
    this.lastEntry = batch.entry;
  }

  /**
   * A LedgerPort over this journal that prepares instead of applying: an execution run against it
   * leaves the ledger unchanged and its batch in `batch`, to commit once everything else that
   * could refuse the execution has agreed (core/node: publication of the execution record).
   */
  staged(): StagedJournal {
    return new StagedJournal(this);
  }
}

/** See JournalLedgerPort.staged(). Takes one batch (one execution). */
export class StagedJournal implements LedgerPort {
  /** The batch the execution's ops became (null: it applied none). */
  batch: JournalBatch | null = null;

  constructor(readonly journal: JournalLedgerPort) {}

  balance(account: string, currency: string): bigint {
    return this.journal.balance(account, currency);
  }

  creditLimit(account: string, currency: string): bigint {
    return this.journal.creditLimit(account, currency);
  }

  applyAtomically(
    ops: readonly LedgerOp[],
    context: { codeHash: Hash; rule: string; caller: string; timestamp: bigint },
  ): void {
    // A second batch would be judged without the first one applied: never sound.
    if (this.batch)
      throw new IcnError(
        'LEDGER_STAGED_TWICE',
        'a staged journal takes the ledger ops of one execution',
      );
    this.batch = this.journal.prepare(ops, context);
  }
}
