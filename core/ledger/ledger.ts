/**
 * The mutual-credit ledger: a hash-linked DAG of journal entries, a journal root that does not
 * depend on arrival order, credit limits, and balances derived from the entries.
 *
 * - Entries whose parents are not all applied wait in a bounded pending pool and are applied, in
 *   a deterministic order, as soon as their parents are: gossip can deliver in any order.
 * - Stateful checks at apply time: author trust ≥ minAuthorTrustPpm (0.1, via the TrustOracle,
 *   from the ledger owner's point of view; the owner itself always passes), every touched
 *   balance stays in i64 and ≥ −credit limit.
 * - Balances are never a second source of truth: `balance()` reads an index derived from the
 *   applied entries only (rebuildable by `recomputeBalances()`), and neither balances nor the index
 *   enter any root. The roots cover the entries (journal trie) and the credit limits.
 * - A batch (`applyBatch`) is atomic: all its entries apply or none does (what the governance
 *   effect executor needs).
 *
 * Credit-limit and trust checks are judged against the state when the entry is applied; entries
 * on concurrent DAG branches are applied in arrival order, so near a limit acceptance can depend
 * on that order (docs/compute-classes.md discusses this; the root property holds for any order in
 * which every entry is accepted).
 */
import { contentHash, DOMAIN, type Hash } from '../hash/index.js';
import type { Did } from '../identity/index.js';
import { PPM, type TrustOracle } from '../trust/oracle.js';
import {
  checkedAdd,
  checkEntry,
  I64_MAX,
  parseDidCached,
  type CheckedEntry,
  type JournalEntry,
} from './entry.js';
import { LedgerError } from './errors.js';
import { MerkleTrie, type InclusionProof } from './merkle.js';

export const LEDGER_ROOT_VERSION = 'icn-ledger-root/v1';
/** ICN's minimum author trust: 0.1. */
export const MIN_AUTHOR_TRUST_PPM = 100_000;

export interface LedgerOptions {
  /** The node whose view of trust gates authors. */
  owner: Did;
  trust: TrustOracle;
  minAuthorTrustPpm?: number;
  /** Credit limit of an account with no explicit limit (≥ 0; balances may go down to −limit). */
  defaultCreditLimit?: bigint;
  /** Bound on entries waiting for parents. */
  maxPending?: number;
}

export interface IngestResult {
  id: Hash;
  status: 'applied' | 'pending' | 'duplicate';
  /** Pending entries applied because this one arrived (in application order). */
  released: Hash[];
  /** Pending entries that became applicable but failed a stateful check (dropped). */
  rejected: { id: Hash; code: string; message: string }[];
}

const key = (account: string, currency: string) => `${account}\u0000${currency}`;

/** A credit limit that takes effect atomically with a batch (Ledger.applyBatch). */
export interface CreditLimitChange {
  account: string;
  currency: string;
  limit: bigint;
}

interface Staged {
  checked: CheckedEntry[];
  balances: Map<string, bigint>;
  limits: CreditLimitChange[];
}

function checkLimit(account: string, currency: string, limit: bigint): void {
  if (
    typeof account !== 'string' ||
    account === '' ||
    typeof currency !== 'string' ||
    currency === ''
  ) {
    throw new LedgerError(
      'LEDGER_FORMAT',
      'credit limit: account and currency must be non-empty strings',
    );
  }
  if (typeof limit !== 'bigint' || limit < 0n || limit > I64_MAX)
    throw new LedgerError(
      'LEDGER_FORMAT',
      `credit limit ${String(limit)} must be in 0..${I64_MAX}`,
    );
}

export class Ledger {
  private readonly owner: Did;
  private readonly ownerKey: string;
  private readonly trust: TrustOracle;
  readonly minAuthorTrustPpm: number;
  readonly defaultCreditLimit: bigint;
  readonly maxPending: number;
  private readonly journal = new MerkleTrie();
  private readonly entries = new Map<Hash, JournalEntry>();
  private readonly order: Hash[] = [];
  /** Maintained on commit: entries not (yet) named as a parent by an applied entry. */
  private readonly headSet = new Set<Hash>();
  private readonly limits = new Map<string, { account: string; currency: string; limit: bigint }>();
  /** Derived index: Σ credit − Σ debit per (account, currency). Never hashed. */
  private readonly balances = new Map<string, bigint>();
  private readonly pending = new Map<Hash, CheckedEntry>();
  /** parent id → pending children waiting on it. */
  private readonly waiting = new Map<Hash, Set<Hash>>();

  constructor(opts: LedgerOptions) {
    this.owner = opts.owner;
    this.ownerKey = opts.owner.toString();
    this.trust = opts.trust;
    this.minAuthorTrustPpm = opts.minAuthorTrustPpm ?? MIN_AUTHOR_TRUST_PPM;
    this.defaultCreditLimit = opts.defaultCreditLimit ?? 0n;
    this.maxPending = opts.maxPending ?? 10_000;
    if (this.minAuthorTrustPpm < 0 || this.minAuthorTrustPpm > PPM)
      throw new LedgerError('LEDGER_FORMAT', 'minAuthorTrustPpm must be in 0..1_000_000');
    if (this.defaultCreditLimit < 0n || this.defaultCreditLimit > I64_MAX)
      throw new LedgerError('LEDGER_FORMAT', 'defaultCreditLimit must be in 0..i64 max');
  }

  get size(): number {
    return this.entries.size;
  }
  get pendingCount(): number {
    return this.pending.size;
  }

  has(id: Hash): boolean {
    return this.entries.has(id);
  }
  get(id: Hash): JournalEntry | undefined {
    return this.entries.get(id);
  }
  /** Applied entry ids in application order (a topological order of the DAG). */
  appliedOrder(): readonly Hash[] {
    return this.order;
  }
  /** DAG heads: applied entries no applied entry names as a parent, sorted. */
  heads(): Hash[] {
    return [...this.headSet].sort();
  }

  creditLimit(account: string, currency: string): bigint {
    return this.limits.get(key(account, currency))?.limit ?? this.defaultCreditLimit;
  }

  /** Set an account's credit limit (CCL SetCreditLimit, governance). Part of the ledger root. */
  setCreditLimit(account: string, currency: string, limit: bigint): void {
    checkLimit(account, currency, limit);
    this.limits.set(key(account, currency), { account, currency, limit });
  }

  balance(account: string, currency: string): bigint {
    return this.balances.get(key(account, currency)) ?? 0n;
  }

  /** Every non-zero balance, sorted by (account, currency). */
  allBalances(): { account_id: string; currency: string; balance: bigint }[] {
    return [...this.balances.entries()]
      .filter(([, b]) => b !== 0n)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([k, balance]) => {
        const [account_id, currency] = k.split('\u0000') as [string, string];
        return { account_id, currency, balance };
      });
  }

  /** Balances recomputed from the entries alone (what `balance()` must always agree with). */
  recomputeBalances(): Map<string, bigint> {
    const out = new Map<string, bigint>();
    for (const id of this.order) {
      for (const d of checkEntry(this.entries.get(id)!, false).deltas) {
        const k = key(d.account_id, d.currency);
        out.set(k, checkedAdd(out.get(k) ?? 0n, d.net, `balance of ${d.account_id}`));
      }
    }
    for (const [k, v] of [...out]) if (v === 0n) out.delete(k);
    return out;
  }

  /**
   * Take an entry from anywhere (gossip, a contract, governance). Stateless checks first
   * (format, balance, signature: thrown); if a parent is missing the entry waits; otherwise
   * stateful checks (trust, credit limit: thrown) and apply, then release waiting children.
   */
  ingest(raw: unknown): IngestResult {
    const c = checkEntry(raw);
    if (this.entries.has(c.id) || this.pending.has(c.id))
      return {
        id: c.id,
        status: this.entries.has(c.id) ? 'duplicate' : 'pending',
        released: [],
        rejected: [],
      };
    const missing = c.entry.parents.filter((p) => !this.entries.has(p));
    if (missing.length > 0) {
      if (this.pending.size >= this.maxPending)
        throw new LedgerError(
          'LEDGER_PENDING_FULL',
          `ledger: ${this.maxPending} entries already wait for parents`,
        );
      this.pending.set(c.id, c);
      for (const p of missing) {
        let s = this.waiting.get(p);
        if (!s) this.waiting.set(p, (s = new Set()));
        s.add(c.id);
      }
      return { id: c.id, status: 'pending', released: [], rejected: [] };
    }
    this.commit(this.stage([c]));
    const res: IngestResult = { id: c.id, status: 'applied', released: [], rejected: [] };
    this.release(c.id, res);
    return res;
  }

  /** Apply entries atomically, in the given order (parents before children). Throws; then nothing changed. */
  applyBatch(
    raws: readonly unknown[],
    verify = true,
    limits: readonly CreditLimitChange[] = [],
  ): Hash[] {
    const staged = this.stageBatch(raws, verify, limits);
    this.commit(staged);
    const ids = staged.checked.map((c) => c.id);
    for (const id of ids) this.release(id, { id, status: 'applied', released: [], rejected: [] });
    return ids;
  }

  /**
   * Whether applyBatch(raws, verify, limits) would apply now: throws what it would throw, changes
   * nothing. Returns the entry ids.
   */
  checkBatch(
    raws: readonly unknown[],
    verify = true,
    limits: readonly CreditLimitChange[] = [],
  ): Hash[] {
    return this.stageBatch(raws, verify, limits).checked.map((c) => c.id);
  }

  private stageBatch(
    raws: readonly unknown[],
    verify: boolean,
    limits: readonly CreditLimitChange[],
  ): Staged {
    const checked = raws.map((r) => checkEntry(r, verify));
    for (const l of limits) checkLimit(l.account, l.currency, l.limit);
    return this.stage(checked, limits);
  }

  private release(id: Hash, res: IngestResult): void {
    // Breadth-first over newly satisfied children, each level in sorted id order: deterministic.
    let ready: Hash[] = [id];
    while (ready.length > 0) {
      const next: Hash[] = [];
      for (const parent of ready) {
        const kids = this.waiting.get(parent);
        if (!kids) continue;
        this.waiting.delete(parent);
        for (const kid of [...kids].sort()) {
          const c = this.pending.get(kid);
          if (!c || !c.entry.parents.every((p) => this.entries.has(p))) continue;
          this.pending.delete(kid);
          try {
            this.commit(this.stage([c]));
            res.released.push(kid);
            next.push(kid);
          } catch (e) {
            if (!(e instanceof LedgerError)) throw e;
            res.rejected.push({ id: kid, code: e.code, message: e.message });
          }
        }
      }
      ready = next.sort();
    }
  }

  /**
   * Stage entries (and credit-limit changes that take effect with them, atomically) against the
   * current state; throws on the first failure, leaving everything unchanged.
   */
  private stage(checked: CheckedEntry[], limitChanges: readonly CreditLimitChange[] = []): Staged {
    const staged = new Map<string, bigint>();
    const newLimits = new Map(limitChanges.map((l) => [key(l.account, l.currency), l]));
    const limitOf = (a: string, c: string) =>
      newLimits.get(key(a, c))?.limit ?? this.creditLimit(a, c);
    const inBatch = new Set<Hash>();
    for (const c of checked) {
      if (this.entries.has(c.id) || inBatch.has(c.id))
        throw new LedgerError('LEDGER_FORMAT', `entry ${c.id} is already in the ledger`, {
          id: c.id,
        });
      for (const p of c.entry.parents) {
        if (!this.entries.has(p) && !inBatch.has(p))
          throw new LedgerError(
            'LEDGER_MISSING_PARENT',
            `entry ${c.id}: parent ${p} is not in the ledger`,
            { id: c.id, parent: p },
          );
      }
      if (c.entry.author !== this.ownerKey) {
        const author = c.entry.author;
        const score = this.trust.scorePpm(this.owner, parseDidCached(author));
        if (score < this.minAuthorTrustPpm) {
          throw new LedgerError(
            'LEDGER_AUTHOR_TRUST',
            `entry ${c.id}: author ${author} has trust ${score} ppm < ${this.minAuthorTrustPpm} ppm`,
            { id: c.id, author, score },
          );
        }
      }
      for (const d of c.deltas) {
        const k = key(d.account_id, d.currency);
        const b = checkedAdd(
          staged.get(k) ?? this.balance(d.account_id, d.currency),
          d.net,
          `balance of ${d.account_id} in ${d.currency}`,
        );
        staged.set(k, b);
      }
      // Limits are checked after the whole entry: an entry may route through an account.
      for (const d of c.deltas) {
        const b = staged.get(key(d.account_id, d.currency))!;
        const limit = limitOf(d.account_id, d.currency);
        if (b < -limit) {
          throw new LedgerError(
            'LEDGER_CREDIT_LIMIT',
            `entry ${c.id}: ${d.account_id} would hold ${b} ${d.currency}, below its credit limit −${limit}`,
            {
              id: c.id,
              account: d.account_id,
              currency: d.currency,
            },
          );
        }
      }
      inBatch.add(c.id);
    }
    return { checked, balances: staged, limits: [...newLimits.values()] };
  }

  private commit(s: Staged): void {
    for (const l of s.limits) this.limits.set(key(l.account, l.currency), { ...l });
    for (const c of s.checked) {
      for (const p of c.entry.parents) this.headSet.delete(p);
      this.headSet.add(c.id);
      this.entries.set(c.id, c.entry);
      this.order.push(c.id);
      this.journal.insert(c.id);
    }
    for (const [k, v] of s.balances) this.balances.set(k, v);
  }

  /** The journal root: crit-bit Merkle trie over the applied entry ids (merkle.ts). */
  journalRoot(): Hash {
    return this.journal.root();
  }

  /** Inclusion proof of an applied entry against journalRoot(). */
  prove(id: Hash): InclusionProof {
    return this.journal.prove(id);
  }

  /** Applied entry ids in sorted order. */
  sortedIds(): Hash[] {
    return this.journal.ids();
  }

  /**
   * The ledger component root: contentHash(icn/ledger/root/v1, {version, journal,
   * credit_limits: [[account, currency, limit]] sorted}). Default limit included: it changes
   * what the ledger accepts.
   */
  root(): Hash {
    const limits = [...this.limits.values()]
      .sort((a, b) =>
        a.account !== b.account
          ? a.account < b.account
            ? -1
            : 1
          : a.currency < b.currency
            ? -1
            : a.currency > b.currency
              ? 1
              : 0,
      )
      .map((l) => [l.account, l.currency, l.limit.toString()]);
    return contentHash(DOMAIN.ledgerRoot, {
      version: LEDGER_ROOT_VERSION,
      journal: this.journal.root(),
      entries: this.journal.size,
      default_credit_limit: this.defaultCreditLimit.toString(),
      credit_limits: limits,
    });
  }
}
