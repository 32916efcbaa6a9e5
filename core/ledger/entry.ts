/**
 * Journal entries with ICN's fields (icn-ledger): `{timestamp, author, contract_ref,
 * accounts:[{account_id, currency, debit?, credit?}], parents, signature, nonce?,
 * decision_receipt_id?}`. In canonical form every optional field is present (null when absent),
 * amounts are i64 decimal strings (never JS numbers), parents are sorted unique entry ids.
 *
 * Validity (stateless part): at least one delta; each delta has a debit or a credit; amounts are
 * ≥ 0 and fit i64; Σ(debit − credit) = 0 per currency, summed with checked i64 arithmetic
 * (overflow is LEDGER_OVERFLOW, never a wrap: icn-semantics.md, unsound #2); the author's
 * signature verifies. The entry id is the hash of the body (without the signature).
 */
import { dec, enc } from '../canonical/index.js';
import { isIcnError } from '../errors.js';
import { I64_MAX, I64_MIN } from '../int-limits.js';
import { contentHash, DOMAIN, isHash, type Hash } from '../hash/index.js';
import { Did, verifySignature, type Keypair } from '../identity/index.js';
import { LedgerError } from './errors.js';

export const LEDGER_ENTRY_VERSION = 'icn-ledger-entry/v1';
export { I64_MAX, I64_MIN };

export interface AccountDelta {
  account_id: string;
  currency: string;
  /** i64 decimal string ≥ 0, or null. */
  debit: string | null;
  /** i64 decimal string ≥ 0, or null. */
  credit: string | null;
}

export interface JournalEntryBody {
  version: typeof LEDGER_ENTRY_VERSION;
  /** Integer ms, supplied by the caller (task or decision time), never read from a clock. */
  timestamp: number;
  /** Author DID, canonical spelling. */
  author: string;
  contract_ref: string | null;
  accounts: AccountDelta[];
  /** Sorted, unique ids of parent entries (the hash-linked DAG). */
  parents: Hash[];
  nonce: string | null;
  /** The governance decision receipt this entry executes, if any. */
  decision_receipt_id: string | null;
}

export interface JournalEntry extends JournalEntryBody {
  /** Ed25519 by `author` over icn/ledger/entry/v1 ‖ 0x00 ‖ canonical(body); 128 hex. */
  signature: string;
}

/** The input for building an entry: amounts as bigint, optional fields optional. */
export interface EntryDraft {
  timestamp: number;
  contract_ref?: string | null;
  accounts: {
    account_id: string;
    currency: string;
    debit?: bigint | null;
    credit?: bigint | null;
  }[];
  parents?: Hash[];
  nonce?: string | null;
  decision_receipt_id?: string | null;
}

// Parsing a DID decompresses a curve point: cache the few authors a ledger sees (bounded; a
// cache hit returns the same immutable value a parse would, so results never depend on it).
const didCache = new Map<string, { did: Did; canonical: boolean }>();
function parseDidEntry(s: string): { did: Did; canonical: boolean } {
  let d = didCache.get(s);
  if (!d) {
    const did = Did.parse(s);
    d = { did, canonical: did.toString() === s };
    if (didCache.size >= 4096) didCache.clear();
    didCache.set(s, d);
  }
  return d;
}
export function parseDidCached(s: string): Did {
  return parseDidEntry(s).did;
}

/** A checked i64 addition: LEDGER_OVERFLOW instead of a wrap. */
export function checkedAdd(a: bigint, b: bigint, what: string): bigint {
  const r = a + b;
  if (r < I64_MIN || r > I64_MAX)
    throw new LedgerError('LEDGER_OVERFLOW', `i64 overflow: ${what} (${a} + ${b})`, { what });
  return r;
}

export function entryBody(e: JournalEntryBody): JournalEntryBody {
  return {
    version: e.version,
    timestamp: e.timestamp,
    author: e.author,
    contract_ref: e.contract_ref,
    accounts: e.accounts.map((a) => ({
      account_id: a.account_id,
      currency: a.currency,
      debit: a.debit,
      credit: a.credit,
    })),
    parents: [...e.parents],
    nonce: e.nonce,
    decision_receipt_id: e.decision_receipt_id,
  };
}

export function entryId(e: JournalEntryBody): Hash {
  return contentHash(DOMAIN.ledgerEntry, entryBody(e));
}

function amount(s: unknown, where: string): bigint | null {
  if (s === null) return null;
  if (typeof s !== 'string')
    throw new LedgerError(
      'LEDGER_FORMAT',
      `${where}: an amount is an i64 decimal string or null, got ${typeof s}`,
      { where },
    );
  let v: bigint;
  try {
    v = dec.i64(s);
  } catch (e) {
    if (isIcnError(e, 'ENC_RANGE'))
      throw new LedgerError('LEDGER_OVERFLOW', `${where}: ${s} does not fit i64`, { where });
    throw new LedgerError(
      'LEDGER_FORMAT',
      `${where}: ${JSON.stringify(s).slice(0, 40)} is not a canonical i64 decimal`,
      { where },
    );
  }
  if (v < 0n)
    throw new LedgerError(
      'LEDGER_NEGATIVE_AMOUNT',
      `${where}: amount ${s} is negative (amounts are ≥ 0)`,
      { where },
    );
  return v;
}

export interface CheckedEntry {
  id: Hash;
  entry: JournalEntry;
  /** Per account line: (account_id, currency, credit − debit) as bigint. */
  deltas: { account_id: string; currency: string; net: bigint }[];
}

/**
 * Check an entry's shape, balance and signature; returns its id and net deltas. Throws LedgerError.
 * `verify: false` skips the signature check (only for entries this process just signed).
 */
export function checkEntry(raw: unknown, verify = true): CheckedEntry {
  const fmt = (why: string): never => {
    throw new LedgerError('LEDGER_FORMAT', `journal entry: ${why}`);
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fmt('not an object');
  const e = raw as Record<string, unknown>;
  if (e.version !== LEDGER_ENTRY_VERSION)
    fmt(`version must be ${JSON.stringify(LEDGER_ENTRY_VERSION)}`);
  if (typeof e.timestamp !== 'number' || !Number.isSafeInteger(e.timestamp) || e.timestamp < 0)
    fmt('timestamp must be a non-negative safe integer (ms)');
  if (typeof e.author !== 'string') fmt('author must be a did:icn string');
  let parsed: { did: Did; canonical: boolean };
  try {
    parsed = parseDidEntry(e.author as string);
  } catch (err) {
    throw new LedgerError('LEDGER_FORMAT', `journal entry: author: ${(err as Error).message}`);
  }
  if (!parsed.canonical) fmt('author must be in canonical did:icn spelling');
  const author = parsed.did;
  for (const f of ['contract_ref', 'nonce', 'decision_receipt_id'] as const) {
    if (e[f] !== null && typeof e[f] !== 'string') fmt(`${f} must be a string or null`);
  }
  if (!Array.isArray(e.parents) || !e.parents.every(isHash))
    fmt('parents must be an array of sha256:<hex> entry ids');
  const parents = e.parents as Hash[];
  for (let i = 1; i < parents.length; i++) {
    if (!(parents[i - 1]! < parents[i]!))
      throw new LedgerError(
        'LEDGER_PARENTS_ORDER',
        'journal entry: parents must be sorted and unique',
      );
  }
  if (!Array.isArray(e.accounts)) fmt('accounts must be an array');
  const lines = e.accounts as unknown[];
  if (lines.length === 0)
    throw new LedgerError('LEDGER_EMPTY', 'journal entry has no account deltas');
  const deltas: CheckedEntry['deltas'] = [];
  const sums = new Map<string, bigint>();
  lines.forEach((l, i) => {
    const where = `accounts[${i}]`;
    if (l === null || typeof l !== 'object') fmt(`${where} is not an object`);
    const a = l as Record<string, unknown>;
    if (typeof a.account_id !== 'string' || a.account_id === '')
      fmt(`${where}.account_id must be a non-empty string`);
    if (typeof a.currency !== 'string' || a.currency === '')
      fmt(`${where}.currency must be a non-empty string`);
    const debit = amount(a.debit, `${where}.debit`);
    const credit = amount(a.credit, `${where}.credit`);
    if (debit === null && credit === null)
      throw new LedgerError('LEDGER_EMPTY', `${where} has neither a debit nor a credit`, { where });
    const d = debit ?? 0n;
    const c = credit ?? 0n;
    const cur = a.currency as string;
    sums.set(
      cur,
      checkedAdd(sums.get(cur) ?? 0n, d - c, `Σ(debit − credit) for ${JSON.stringify(cur)}`),
    );
    deltas.push({ account_id: a.account_id as string, currency: cur, net: c - d });
  });
  for (const [cur, s] of [...sums].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
    if (s !== 0n)
      throw new LedgerError(
        'LEDGER_UNBALANCED',
        `journal entry is unbalanced in ${JSON.stringify(cur)}: Σ(debit − credit) = ${s}`,
        { currency: cur, sum: s.toString() },
      );
  }
  const entry: JournalEntry = {
    ...entryBody(e as unknown as JournalEntryBody),
    signature: e.signature as string,
  };
  const body = entryBody(entry);
  if (
    verify &&
    (typeof e.signature !== 'string' ||
      !verifySignature(author, DOMAIN.ledgerEntry, body, e.signature))
  ) {
    throw new LedgerError(
      'LEDGER_BAD_SIGNATURE',
      `journal entry by ${e.author}: signature does not verify`,
    );
  }
  return { id: entryId(body), entry, deltas };
}

/** Build, check and sign an entry. Throws LedgerError (an unbalanced draft is never signed). */
export function signEntry(author: Keypair, d: EntryDraft): JournalEntry {
  const body = draftBody(author.did.toString(), d);
  const entry = { ...body, signature: author.sign(DOMAIN.ledgerEntry, body) };
  checkEntry(entry, false);
  return entry;
}

/**
 * The canonical body a draft becomes when `author` signs it (signEntry), unsigned and unchecked:
 * what a verifier re-derives to compare with an entry someone else signed.
 */
export function draftBody(author: string, d: EntryDraft): JournalEntryBody {
  return {
    version: LEDGER_ENTRY_VERSION,
    timestamp: d.timestamp,
    author,
    contract_ref: d.contract_ref ?? null,
    accounts: d.accounts.map((a) => ({
      account_id: a.account_id,
      currency: a.currency,
      debit: a.debit === undefined || a.debit === null ? null : encAmount(a.debit),
      credit: a.credit === undefined || a.credit === null ? null : encAmount(a.credit),
    })),
    parents: [...(d.parents ?? [])].sort(),
    nonce: d.nonce ?? null,
    decision_receipt_id: d.decision_receipt_id ?? null,
  };
}

function encAmount(v: bigint): string {
  if (v < 0n)
    throw new LedgerError('LEDGER_NEGATIVE_AMOUNT', `amount ${v} is negative (amounts are ≥ 0)`);
  if (v > I64_MAX) throw new LedgerError('LEDGER_OVERFLOW', `amount ${v} does not fit i64`);
  return enc.i64(v);
}

/** A balanced two-line transfer: `from` is debited, `to` is credited. */
export function transferDraft(
  from: string,
  to: string,
  amount: bigint,
  currency: string,
  timestamp: number,
  rest: Partial<EntryDraft> = {},
): EntryDraft {
  return {
    ...rest,
    timestamp,
    accounts: [
      { account_id: from, currency, debit: amount },
      { account_id: to, currency, credit: amount },
    ],
  };
}
