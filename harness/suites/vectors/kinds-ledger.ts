/**
 * Vector kinds of the ledger, trust and governance area:
 *  - governance-hash: ICN's vote_hash / decision_hash byte formats (BLAKE3);
 *  - governance-receipt: signed proposal + votes → proposal hash, outcome, hashes, receipt id;
 *  - ledger-root: signed journal entries ingested in a given order → ids, journal root, ledger
 *    root, balances, typed errors;
 *  - trust-score: signed attestations applied in file order and in reverse → two-hop scores,
 *    classes and the trust root (which must not depend on the order).
 * Expected values in the files are computed independently (b3sum, Python's hashlib and a batch
 * crit-bit builder: see vectors/<area>/independent.py), never by this code.
 */
import { dec } from '../../../core/canonical/index.js';
import { IcnError } from '../../../core/errors.js';
import { decide, decisionHash, voteHash, type Outcome, type Proposal, type SignedVote, type VoteChoice } from '../../../core/governance/index.js';
import type { Hash } from '../../../core/hash/index.js';
import { Keypair } from '../../../core/identity/index.js';
import { checkEntry, Ledger, LedgerError, signEntry, type JournalEntry } from '../../../core/ledger/index.js';
import { signAttestation, TrustGraph, trustClass } from '../../../core/trust/index.js';
import type { VectorCase, VectorKind, VectorVerdict } from './format.js';

const seedKey = (n: number) => Keypair.fromSeed(new Uint8Array(32).fill(n));

function field<T>(c: VectorCase, name: string, check: (v: unknown) => boolean, what: string): T {
  const v = c[name];
  if (!check(v)) throw new IcnError('VECTOR_FIELD', `case ${c.name}: field ${name} must be ${what}`);
  return v as T;
}

function verdict(outputs: Record<string, string>, expected: Record<string, unknown>): VectorVerdict {
  const problems: string[] = [];
  for (const [k, want] of Object.entries(expected)) {
    const got = outputs[k];
    if (got !== want) problems.push(`${k}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  }
  return { outputs, ok: problems.length === 0, reason: problems.join('; ') || undefined };
}

/** governance-hash: {votes:[{voter, choice, weight}], proposal_id, domain_id, outcome, expect:{vote_hash, decision_hash, for, against, abstain}}. */
export const governanceHashKind: VectorKind = {
  kind: 'governance-hash',
  check(c) {
    const votes = field<{ voter: string; choice: VoteChoice; weight: string }[]>(c, 'votes', Array.isArray, 'an array');
    const sums = { For: 0n, Against: 0n, Abstain: 0n };
    for (const v of votes) sums[v.choice] += dec.u64(v.weight);
    const vh = voteHash(votes);
    const outputs = {
      vote_hash: vh,
      for: sums.For.toString(),
      against: sums.Against.toString(),
      abstain: sums.Abstain.toString(),
      decision_hash: decisionHash({
        proposal_id: field<string>(c, 'proposal_id', (x) => typeof x === 'string', 'a string'),
        domain_id: field<string>(c, 'domain_id', (x) => typeof x === 'string', 'a string'),
        outcome: field<Outcome>(c, 'outcome', (x) => typeof x === 'string', 'a string'),
        for: sums.For,
        against: sums.Against,
        abstain: sums.Abstain,
        vote_hash: vh,
      }),
    };
    return verdict(outputs, field(c, 'expect', (x) => typeof x === 'object' && x !== null, 'an object'));
  },
};

interface EntrySpec {
  seed: number;
  timestamp: number;
  accounts: { account_id: string; currency: string; debit: string | null; credit: string | null }[];
  /** Indices of earlier entries in this case. */
  parents: number[];
  contract_ref: string | null;
  nonce: string | null;
  decision_receipt_id: string | null;
}

/**
 * ledger-root: {owner_seed, default_credit_limit, credit_limits:[[account, currency, limit]],
 * entries:[EntrySpec], ingest_order:[index], expect:{ids, journal_root, ledger_root, balances,
 * errors:{index: code}}}. Entries are signed here by Keypair.fromSeed(32 × seed).
 */
export const ledgerRootKind: VectorKind = {
  kind: 'ledger-root',
  check(c) {
    const specs = field<EntrySpec[]>(c, 'entries', Array.isArray, 'an array');
    const ids: Hash[] = [];
    const entries: JournalEntry[] = [];
    const errors: Record<string, string> = {};
    for (const [i, s] of specs.entries()) {
      const body = {
        version: 'icn-ledger-entry/v1' as const,
        timestamp: s.timestamp,
        author: seedKey(s.seed).did.toString(),
        contract_ref: s.contract_ref,
        accounts: s.accounts,
        parents: s.parents.map((p) => ids[p]!).sort(),
        nonce: s.nonce,
        decision_receipt_id: s.decision_receipt_id,
      };
      const e = { ...body, signature: seedKey(s.seed).sign('icn/ledger/entry/v1', body) };
      entries.push(e);
      try {
        ids.push(checkEntry(e).id);
      } catch (err) {
        if (!(err instanceof LedgerError)) throw err;
        errors[String(i)] = err.code;
        ids.push(('sha256:' + '00'.repeat(32)) as Hash);
      }
    }
    const ledger = new Ledger({
      owner: seedKey(field<number>(c, 'owner_seed', Number.isInteger, 'an integer')).did,
      trust: { scorePpm: () => 1_000_000 },
      defaultCreditLimit: dec.i64(field<string>(c, 'default_credit_limit', (x) => typeof x === 'string', 'an i64 string')),
    });
    for (const [a, cur, lim] of field<[string, string, string][]>(c, 'credit_limits', Array.isArray, 'an array')) ledger.setCreditLimit(a, cur, dec.i64(lim));
    for (const i of field<number[]>(c, 'ingest_order', Array.isArray, 'an array')) {
      if (errors[String(i)]) continue;
      try {
        const r = ledger.ingest(entries[i]);
        for (const rej of r.rejected) errors[String(ids.indexOf(rej.id))] = rej.code;
      } catch (err) {
        if (!(err instanceof LedgerError)) throw err;
        errors[String(i)] = err.code;
      }
    }
    const outputs: Record<string, string> = {
      ids: ids.join(','),
      journal_root: ledger.journalRoot(),
      ledger_root: ledger.root(),
      balances: ledger.allBalances().map((b) => `${b.account_id}/${b.currency}=${b.balance}`).join(','),
      errors: Object.keys(errors).sort((a, b) => Number(a) - Number(b)).map((k) => `${k}:${errors[k]}`).join(','),
    };
    const exp = field<Record<string, unknown>>(c, 'expect', (x) => typeof x === 'object' && x !== null, 'an object');
    return verdict(outputs, {
      ids: (exp.ids as string[]).join(','),
      journal_root: exp.journal_root,
      ledger_root: exp.ledger_root,
      balances: (exp.balances as [string, string, string][]).map(([a, cur, b]) => `${a}/${cur}=${b}`).join(','),
      errors: Object.entries(exp.errors as Record<string, string>).sort((a, b) => Number(a[0]) - Number(b[0])).map(([k, v]) => `${k}:${v}`).join(','),
    });
  },
};

/**
 * trust-score: {attestations:[{from, to, score_ppm, issued_at}] (seeds), queries:[{from, to,
 * score_ppm, class}], expect:{root}}. Applied in file order and in reverse: both roots must match.
 */
export const trustScoreKind: VectorKind = {
  kind: 'trust-score',
  check(c) {
    const atts = field<{ from: number; to: number; score_ppm: number; issued_at: number }[]>(c, 'attestations', Array.isArray, 'an array').map((a) =>
      signAttestation(seedKey(a.from), seedKey(a.to).did, a.score_ppm, a.issued_at),
    );
    const g = new TrustGraph();
    const rev = new TrustGraph();
    for (const a of atts) g.apply(a);
    for (const a of [...atts].reverse()) rev.apply(a);
    const outputs: Record<string, string> = { root: g.root(), root_reversed: rev.root() };
    const expected: Record<string, unknown> = { root: (c.expect as { root: string }).root, root_reversed: (c.expect as { root: string }).root };
    for (const q of field<{ from: number; to: number; score_ppm: number; class: string }[]>(c, 'queries', Array.isArray, 'an array')) {
      const s = g.scorePpm(seedKey(q.from).did, seedKey(q.to).did);
      outputs[`score_${q.from}_${q.to}`] = `${s} ${trustClass(s)}`;
      expected[`score_${q.from}_${q.to}`] = `${q.score_ppm} ${q.class}`;
    }
    return verdict(outputs, expected);
  },
};

/**
 * governance-receipt: {proposal, votes (signed), decided_at, expect:{proposal_hash, outcome,
 * vote_hash, decision_hash, receipt_id}}: votes are verified, tallied and hashed by decide().
 */
export const governanceReceiptKind: VectorKind = {
  kind: 'governance-receipt',
  check(c) {
    const r = decide(
      field<Proposal>(c, 'proposal', (x) => typeof x === 'object' && x !== null, 'an object'),
      field<SignedVote[]>(c, 'votes', Array.isArray, 'an array'),
      field<number>(c, 'decided_at', Number.isSafeInteger, 'an integer'),
    );
    const outputs = { proposal_hash: r.proposal_hash, outcome: r.outcome, vote_hash: r.vote_hash, decision_hash: r.decision_hash, receipt_id: r.receipt_id };
    return verdict(outputs, field(c, 'expect', (x) => typeof x === 'object' && x !== null, 'an object'));
  },
};

export const LEDGER_KINDS: VectorKind[] = [governanceHashKind, governanceReceiptKind, ledgerRootKind, trustScoreKind];
