export {
  voteHash,
  voteHashBytes,
  decisionHash,
  sortVotes,
  VOTE_HASH_TAG,
  DECISION_HASH_TAG,
  CHOICE_BYTE,
  OUTCOME_BYTE,
} from './hashes.js';
export type { VoteChoice, Outcome, HashedVote, DecisionHashInput } from './hashes.js';
export {
  PROPOSAL_VERSION,
  VOTE_VERSION,
  RECEIPT_VERSION,
  attestReceipt,
  checkProposal,
  checkVotes,
  decide,
  proposalHash,
  signProposal,
  signVote,
  tally,
  verifyProposal,
  verifyReceipt,
} from './decision.js';
export type {
  DecisionReceipt,
  DecisionReceiptBody,
  DeterminismClass,
  Proposal,
  ReceiptAttestation,
  SignedProposal,
  SignedVote,
  Tally,
  VoteBody,
} from './decision.js';
export { translatePayloadToEffects, PAYLOAD_KINDS } from './payload.js';
export type { KernelEffect, ProposalPayload, TreasuryOperation } from './payload.js';
export { Governance, emptyGovernanceState, GOVERNANCE_ROOT_VERSION } from './executor.js';
export type {
  ExecutionRecord,
  GovernanceOptions,
  GovernanceState,
  StagedDecision,
} from './executor.js';
export { GovernanceError } from './errors.js';
