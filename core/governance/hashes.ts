/**
 * ICN's governance hashes, byte for byte (icn-governance / icn-kernel-api), in BLAKE3:
 *
 *   vote_hash     = BLAKE3("icn:vote-hash:v1" ‖ u64le(n) ‖ for each vote sorted by (voter, choice):
 *                          u64le(len(voter)) ‖ voter ‖ choice byte ‖ u64le(weight))
 *   decision_hash = BLAKE3("icn:gov:decision:v1" ‖ u64le(len) ‖ proposal_id ‖ u64le(len) ‖ domain_id ‖
 *                          outcome byte ‖ u64le(for) ‖ u64le(against) ‖ u64le(abstain) ‖ vote_hash)
 *
 * Strings are UTF-8 and lengths count bytes. Choice bytes: For 0, Against 1, Abstain 2. Outcome
 * bytes: Accepted 0, Rejected 1, NoQuorum 2. The tags are ICN's (no length, no separator); they are
 * not our `icn/…` domain tags because these formats are ICN's, reproduced for compatibility.
 * Votes are sorted by voter bytes, then choice byte; the caller's order never matters.
 * Printed as 64 lowercase hex (ICN's `to_hex()`).
 */
import { blake3 } from '@noble/hashes/blake3.js';
import { toHex } from '../hash/index.js';
import { U64_MAX } from '../int-limits.js';
import { GovernanceError } from './errors.js';

export const VOTE_HASH_TAG = 'icn:vote-hash:v1';
export const DECISION_HASH_TAG = 'icn:gov:decision:v1';

export type VoteChoice = 'For' | 'Against' | 'Abstain';
export type Outcome = 'Accepted' | 'Rejected' | 'NoQuorum';

export const CHOICE_BYTE: Record<VoteChoice, number> = { For: 0, Against: 1, Abstain: 2 };
export const OUTCOME_BYTE: Record<Outcome, number> = { Accepted: 0, Rejected: 1, NoQuorum: 2 };

export { U64_MAX };
const utf8 = new TextEncoder();

/** Growable byte buffer for hand-assembled formats. */
class Bytes {
  private parts: Uint8Array[] = [];
  private n = 0;
  raw(b: Uint8Array): this {
    this.parts.push(b);
    this.n += b.length;
    return this;
  }
  u8(v: number): this {
    return this.raw(Uint8Array.of(v));
  }
  u64le(v: bigint | number, what: string): this {
    const x = BigInt(v);
    if (x < 0n || x > U64_MAX)
      throw new GovernanceError('GOV_OVERFLOW', `${what} = ${x} does not fit u64`);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, x, true);
    return this.raw(b);
  }
  str(s: string, what: string): this {
    const b = utf8.encode(s);
    return this.u64le(b.length, `length of ${what}`).raw(b);
  }
  done(): Uint8Array {
    const out = new Uint8Array(this.n);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

export interface HashedVote {
  voter: string;
  choice: VoteChoice;
  /** u64 (decimal string or bigint). */
  weight: string | bigint;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** ICN's canonical vote order: voter bytes, then choice byte. */
export function sortVotes<T extends { voter: string; choice: VoteChoice }>(
  votes: readonly T[],
): T[] {
  return votes
    .map((v) => ({ v, k: utf8.encode(v.voter) }))
    .sort((x, y) => compareBytes(x.k, y.k) || CHOICE_BYTE[x.v.choice] - CHOICE_BYTE[y.v.choice])
    .map((x) => x.v);
}

function choiceByte(c: string): number {
  const b = CHOICE_BYTE[c as VoteChoice];
  if (b === undefined)
    throw new GovernanceError(
      'GOV_FORMAT',
      `vote choice ${JSON.stringify(c)} is not For, Against or Abstain`,
    );
  return b;
}

export function voteHashBytes(votes: readonly HashedVote[]): Uint8Array {
  for (const v of votes) choiceByte(v.choice);
  const buf = new Bytes().raw(utf8.encode(VOTE_HASH_TAG)).u64le(votes.length, 'vote count');
  for (const v of sortVotes(votes))
    buf
      .str(v.voter, 'voter')
      .u8(choiceByte(v.choice))
      .u64le(BigInt(v.weight), `weight of ${v.voter}`);
  return blake3(buf.done());
}

export function voteHash(votes: readonly HashedVote[]): string {
  return toHex(voteHashBytes(votes));
}

export interface DecisionHashInput {
  proposal_id: string;
  domain_id: string;
  outcome: Outcome;
  for: string | bigint;
  against: string | bigint;
  abstain: string | bigint;
  /** 64 hex (vote_hash). */
  vote_hash: string;
}

export function decisionHash(d: DecisionHashInput): string {
  const ob = OUTCOME_BYTE[d.outcome];
  if (ob === undefined)
    throw new GovernanceError(
      'GOV_FORMAT',
      `outcome ${JSON.stringify(d.outcome)} is not Accepted, Rejected or NoQuorum`,
    );
  if (!/^[0-9a-f]{64}$/.test(d.vote_hash))
    throw new GovernanceError('GOV_FORMAT', 'vote_hash must be 64 lowercase hex');
  const vh = Uint8Array.from(d.vote_hash.match(/../g)!.map((x) => parseInt(x, 16)));
  const buf = new Bytes()
    .raw(utf8.encode(DECISION_HASH_TAG))
    .str(d.proposal_id, 'proposal_id')
    .str(d.domain_id, 'domain_id')
    .u8(ob)
    .u64le(BigInt(d.for), 'for')
    .u64le(BigInt(d.against), 'against')
    .u64le(BigInt(d.abstain), 'abstain')
    .raw(vh);
  return toHex(blake3(buf.done()));
}
