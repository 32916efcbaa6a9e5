/**
 * Proposals, signed votes, tallies and decision receipts.
 *
 * A proposal fixes its electorate (voter → weight) and its rules, so a tally is a pure function
 * of (proposal, votes) that any node or auditor can recompute. Rules:
 *   - NoQuorum when for + against + abstain < quorum (all u64, checked);
 *   - otherwise, with threshold_ppm null (simple majority): Accepted iff for > against;
 *     with threshold_ppm t: Accepted iff for + against > 0 and for × 10^6 ≥ t × (for + against);
 *   - otherwise Rejected.
 * A receipt carries the sorted votes, the tally, ICN's vote_hash and decision_hash, and its id
 * (contentHash over the body); attestations are signatures over {receipt_id, decision_hash}.
 */
import { dec, enc } from '../canonical/index.js';
import { contentHash, DOMAIN, type Hash } from '../hash/index.js';
import { Did, verifySignature, type Keypair } from '../identity/index.js';
import { GovernanceError, type GovernanceErrorCode } from './errors.js';
import {
  decisionHash,
  sortVotes,
  U64_MAX,
  voteHash,
  type Outcome,
  type VoteChoice,
} from './hashes.js';
import type { ProposalPayload } from './payload.js';

export const PROPOSAL_VERSION = 'icn-governance-proposal/v1';
export const VOTE_VERSION = 'icn-governance-vote/v1';
export const RECEIPT_VERSION = 'icn-governance-receipt/v1';

export type DeterminismClass = 'canonical' | 'advisory';

export interface Proposal {
  version: typeof PROPOSAL_VERSION;
  proposal_id: string;
  domain_id: string;
  proposer: string;
  payload: ProposalPayload;
  /** Sorted by voter; weights u64 decimal strings. */
  electorate: { voter: string; weight: string }[];
  /** Minimum total voted weight (u64 decimal string). */
  quorum: string;
  /** null: simple majority (for > against). */
  threshold_ppm: number | null;
  determinism_class: DeterminismClass;
  created_at: number;
}

export interface SignedProposal extends Proposal {
  signature: string;
}

export interface VoteBody {
  version: typeof VOTE_VERSION;
  proposal_id: string;
  voter: string;
  choice: VoteChoice;
  weight: string;
  cast_at: number;
}

export interface SignedVote extends VoteBody {
  signature: string;
}

export interface Tally {
  for: string;
  against: string;
  abstain: string;
}

export interface DecisionReceiptBody {
  version: typeof RECEIPT_VERSION;
  proposal_id: string;
  domain_id: string;
  proposal_hash: Hash;
  outcome: Outcome;
  tally: Tally;
  votes: SignedVote[];
  vote_hash: string;
  decision_hash: string;
  determinism_class: DeterminismClass;
  decided_at: number;
  formats: { vote_hash: 'icn:vote-hash:v1/blake3'; decision_hash: 'icn:gov:decision:v1/blake3' };
}

export interface ReceiptAttestation {
  signer: string;
  signature: string;
}

export interface DecisionReceipt extends DecisionReceiptBody {
  receipt_id: Hash;
  /** Sorted by signer. */
  attestations: ReceiptAttestation[];
}

const fail = (code: GovernanceErrorCode, msg: string): never => {
  throw new GovernanceError(code, msg);
};

function canonDid(s: unknown, what: string): string {
  if (typeof s !== 'string') fail('GOV_FORMAT', `${what} must be a did:icn string`);
  try {
    return Did.parse(s as string).toString();
  } catch (e) {
    return fail('GOV_FORMAT', `${what}: ${(e as Error).message}`);
  }
}

function u64(s: string, what: string): bigint {
  try {
    return dec.u64(s);
  } catch {
    return fail('GOV_FORMAT', `${what} ${JSON.stringify(s)} is not a u64 decimal string`);
  }
}

export function proposalBody(p: Proposal): Proposal {
  return {
    version: p.version,
    proposal_id: p.proposal_id,
    domain_id: p.domain_id,
    proposer: p.proposer,
    payload: p.payload,
    electorate: p.electorate.map((e) => ({ voter: e.voter, weight: e.weight })),
    quorum: p.quorum,
    threshold_ppm: p.threshold_ppm,
    determinism_class: p.determinism_class,
    created_at: p.created_at,
  };
}

export function proposalHash(p: Proposal): Hash {
  return contentHash(DOMAIN.governanceProposal, proposalBody(p));
}

export function checkProposal(p: Proposal): void {
  if (p.version !== PROPOSAL_VERSION)
    fail('GOV_FORMAT', `proposal version must be ${PROPOSAL_VERSION}`);
  if (typeof p.proposal_id !== 'string' || p.proposal_id === '')
    fail('GOV_FORMAT', 'proposal_id must be a non-empty string');
  if (typeof p.domain_id !== 'string' || p.domain_id === '')
    fail('GOV_FORMAT', 'domain_id must be a non-empty string');
  if (canonDid(p.proposer, 'proposer') !== p.proposer)
    fail('GOV_FORMAT', 'proposer must be in canonical spelling');
  if (!Array.isArray(p.electorate) || p.electorate.length === 0)
    fail('GOV_FORMAT', 'electorate must list at least one voter');
  for (let i = 0; i < p.electorate.length; i++) {
    const e = p.electorate[i]!;
    if (canonDid(e.voter, `electorate[${i}].voter`) !== e.voter)
      fail('GOV_FORMAT', `electorate[${i}].voter must be in canonical spelling`);
    u64(e.weight, `electorate[${i}].weight`);
    if (i > 0 && !(p.electorate[i - 1]!.voter < e.voter))
      fail('GOV_FORMAT', 'electorate must be sorted by voter, without duplicates');
  }
  u64(p.quorum, 'quorum');
  if (
    p.threshold_ppm !== null &&
    (!Number.isSafeInteger(p.threshold_ppm) || p.threshold_ppm < 0 || p.threshold_ppm > 1_000_000)
  )
    fail('GOV_FORMAT', 'threshold_ppm must be null or an integer in 0..1_000_000');
  if (p.determinism_class !== 'canonical' && p.determinism_class !== 'advisory')
    fail('GOV_FORMAT', 'determinism_class must be canonical or advisory');
  if (!Number.isSafeInteger(p.created_at) || p.created_at < 0)
    fail('GOV_FORMAT', 'created_at must be a non-negative integer');
}

export function signProposal(
  kp: Keypair,
  p: Omit<Proposal, 'version' | 'proposer' | 'determinism_class' | 'threshold_ppm'> &
    Partial<Pick<Proposal, 'determinism_class' | 'threshold_ppm'>>,
): SignedProposal {
  const body: Proposal = proposalBody({
    ...p,
    version: PROPOSAL_VERSION,
    proposer: kp.did.toString(),
    determinism_class: p.determinism_class ?? 'canonical',
    threshold_ppm: p.threshold_ppm ?? null,
    electorate: [...p.electorate].sort((a, b) =>
      a.voter < b.voter ? -1 : a.voter > b.voter ? 1 : 0,
    ),
  });
  checkProposal(body);
  return { ...body, signature: kp.sign(DOMAIN.governanceProposal, body) };
}

export function verifyProposal(p: SignedProposal): Proposal {
  const body = proposalBody(p);
  checkProposal(body);
  if (!verifySignature(Did.parse(body.proposer), DOMAIN.governanceProposal, body, p.signature))
    fail('GOV_BAD_SIGNATURE', `proposal ${p.proposal_id}: proposer signature does not verify`);
  return body;
}

export function voteBody(v: VoteBody): VoteBody {
  return {
    version: v.version,
    proposal_id: v.proposal_id,
    voter: v.voter,
    choice: v.choice,
    weight: v.weight,
    cast_at: v.cast_at,
  };
}

export function signVote(
  kp: Keypair,
  proposal: Proposal,
  choice: VoteChoice,
  castAt: number,
): SignedVote {
  const voter = kp.did.toString();
  const member = proposal.electorate.find((e) => e.voter === voter);
  if (!member)
    fail('GOV_NOT_ELIGIBLE', `${voter} is not in the electorate of ${proposal.proposal_id}`);
  const body: VoteBody = {
    version: VOTE_VERSION,
    proposal_id: proposal.proposal_id,
    voter,
    choice,
    weight: member!.weight,
    cast_at: castAt,
  };
  return { ...body, signature: kp.sign(DOMAIN.governanceVote, body) };
}

/** Verify every vote against the proposal; returns them in ICN's canonical order. Throws GovernanceError. */
export function checkVotes(proposal: Proposal, votes: readonly SignedVote[]): SignedVote[] {
  const weights = new Map(proposal.electorate.map((e) => [e.voter, e.weight]));
  const seen = new Set<string>();
  for (const v of votes) {
    if (v.version !== VOTE_VERSION) fail('GOV_FORMAT', `vote version must be ${VOTE_VERSION}`);
    if (v.proposal_id !== proposal.proposal_id)
      fail(
        'GOV_WRONG_PROPOSAL',
        `vote by ${v.voter} is for ${v.proposal_id}, not ${proposal.proposal_id}`,
      );
    if (v.choice !== 'For' && v.choice !== 'Against' && v.choice !== 'Abstain')
      fail('GOV_FORMAT', `vote by ${v.voter}: bad choice ${String(v.choice)}`);
    const w = weights.get(v.voter);
    if (w === undefined)
      fail('GOV_NOT_ELIGIBLE', `${v.voter} is not in the electorate of ${proposal.proposal_id}`);
    if (w !== v.weight)
      fail('GOV_WEIGHT', `vote by ${v.voter} claims weight ${v.weight}, the electorate says ${w}`);
    if (seen.has(v.voter))
      fail('GOV_DUPLICATE_VOTE', `${v.voter} voted twice on ${proposal.proposal_id}`);
    seen.add(v.voter);
    if (!Number.isSafeInteger(v.cast_at) || v.cast_at < 0)
      fail('GOV_FORMAT', `vote by ${v.voter}: cast_at must be a non-negative integer`);
    if (!verifySignature(Did.parse(v.voter), DOMAIN.governanceVote, voteBody(v), v.signature))
      fail('GOV_BAD_SIGNATURE', `vote by ${v.voter}: signature does not verify`);
  }
  return sortVotes(votes.map((v) => ({ ...voteBody(v), signature: v.signature })));
}

export function tally(
  proposal: Proposal,
  votes: readonly SignedVote[],
): { tally: Tally; outcome: Outcome } {
  const sum = { For: 0n, Against: 0n, Abstain: 0n };
  for (const v of votes) {
    sum[v.choice] += BigInt(v.weight);
    if (sum[v.choice] > U64_MAX) fail('GOV_OVERFLOW', `${v.choice} weight exceeds u64`);
  }
  const total = sum.For + sum.Against + sum.Abstain;
  let outcome: Outcome;
  if (total > U64_MAX) fail('GOV_OVERFLOW', 'total voted weight exceeds u64');
  if (total < BigInt(proposal.quorum)) outcome = 'NoQuorum';
  else if (proposal.threshold_ppm === null)
    outcome = sum.For > sum.Against ? 'Accepted' : 'Rejected';
  else {
    const decided = sum.For + sum.Against;
    outcome =
      decided > 0n && sum.For * 1_000_000n >= BigInt(proposal.threshold_ppm) * decided
        ? 'Accepted'
        : 'Rejected';
  }
  return {
    tally: { for: enc.u64(sum.For), against: enc.u64(sum.Against), abstain: enc.u64(sum.Abstain) },
    outcome,
  };
}

export function receiptBody(r: DecisionReceiptBody): DecisionReceiptBody {
  return {
    version: r.version,
    proposal_id: r.proposal_id,
    domain_id: r.domain_id,
    proposal_hash: r.proposal_hash,
    outcome: r.outcome,
    tally: { for: r.tally.for, against: r.tally.against, abstain: r.tally.abstain },
    votes: r.votes.map((v) => ({ ...voteBody(v), signature: v.signature })),
    vote_hash: r.vote_hash,
    decision_hash: r.decision_hash,
    determinism_class: r.determinism_class,
    decided_at: r.decided_at,
    formats: { vote_hash: 'icn:vote-hash:v1/blake3', decision_hash: 'icn:gov:decision:v1/blake3' },
  };
}

/** Close a proposal: verify votes, tally, hash. `decidedAt` is the decision's logical time. */
export function decide(
  proposal: Proposal,
  votes: readonly SignedVote[],
  decidedAt: number,
): DecisionReceipt {
  checkProposal(proposal);
  if (!Number.isSafeInteger(decidedAt) || decidedAt < 0)
    fail('GOV_FORMAT', 'decided_at must be a non-negative integer');
  const sorted = checkVotes(proposal, votes);
  const { tally: t, outcome } = tally(proposal, sorted);
  const vh = voteHash(sorted);
  const body: DecisionReceiptBody = receiptBody({
    version: RECEIPT_VERSION,
    proposal_id: proposal.proposal_id,
    domain_id: proposal.domain_id,
    proposal_hash: proposalHash(proposal),
    outcome,
    tally: t,
    votes: sorted,
    vote_hash: vh,
    decision_hash: decisionHash({
      proposal_id: proposal.proposal_id,
      domain_id: proposal.domain_id,
      outcome,
      for: t.for,
      against: t.against,
      abstain: t.abstain,
      vote_hash: vh,
    }),
    determinism_class: proposal.determinism_class,
    decided_at: decidedAt,
    formats: { vote_hash: 'icn:vote-hash:v1/blake3', decision_hash: 'icn:gov:decision:v1/blake3' },
  });
  return { ...body, receipt_id: contentHash(DOMAIN.governanceReceipt, body), attestations: [] };
}

/** Add a signer's attestation over {receipt_id, decision_hash}; attestations stay sorted by signer. */
export function attestReceipt(kp: Keypair, r: DecisionReceipt): DecisionReceipt {
  const signer = kp.did.toString();
  const signature = kp.sign(DOMAIN.governanceAttestation, {
    receipt_id: r.receipt_id,
    decision_hash: r.decision_hash,
  });
  const attestations = [
    ...r.attestations.filter((a) => a.signer !== signer),
    { signer, signature },
  ].sort((a, b) => (a.signer < b.signer ? -1 : 1));
  return { ...r, attestations };
}

/**
 * Recompute a receipt from its proposal and votes and check every attestation. Returns the
 * signers. Throws GOV_RECEIPT_MISMATCH naming the first field that differs.
 */
export function verifyReceipt(proposal: Proposal, r: DecisionReceipt): string[] {
  const again = decide(proposal, r.votes, r.decided_at);
  for (const f of [
    'proposal_hash',
    'outcome',
    'vote_hash',
    'decision_hash',
    'determinism_class',
    'domain_id',
    'receipt_id',
  ] as const) {
    if (again[f] !== r[f])
      fail(
        'GOV_RECEIPT_MISMATCH',
        `receipt ${r.receipt_id}: ${f} is ${String(r[f])}, recomputed ${String(again[f])}`,
      );
  }
  for (const f of ['for', 'against', 'abstain'] as const) {
    if (again.tally[f] !== r.tally[f])
      fail(
        'GOV_RECEIPT_MISMATCH',
        `receipt ${r.receipt_id}: tally.${f} is ${r.tally[f]}, recomputed ${again.tally[f]}`,
      );
  }
  const signers: string[] = [];
  for (const a of r.attestations) {
    if (
      !verifySignature(
        Did.parse(a.signer),
        DOMAIN.governanceAttestation,
        { receipt_id: r.receipt_id, decision_hash: r.decision_hash },
        a.signature,
      )
    ) {
      fail(
        'GOV_BAD_SIGNATURE',
        `receipt ${r.receipt_id}: attestation by ${a.signer} does not verify`,
      );
    }
    signers.push(a.signer);
  }
  return signers;
}
