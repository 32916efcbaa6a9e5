export { Ledger, LEDGER_ROOT_VERSION, MIN_AUTHOR_TRUST_PPM } from './ledger.js';
export type { CreditLimitChange, IngestResult, LedgerOptions } from './ledger.js';
export {
  checkEntry,
  checkedAdd,
  draftBody,
  entryBody,
  entryId,
  signEntry,
  transferDraft,
  LEDGER_ENTRY_VERSION,
  I64_MAX,
  I64_MIN,
} from './entry.js';
export type {
  AccountDelta,
  CheckedEntry,
  EntryDraft,
  JournalEntry,
  JournalEntryBody,
} from './entry.js';
export { MerkleTrie, verifyInclusion, leafDigest, nodeDigest, EMPTY_ROOT } from './merkle.js';
export type { InclusionProof, ProofStep } from './merkle.js';
export { LedgerError } from './errors.js';
export { checkContractOps, LedgerRejected } from './contract-rule.js';
export type {
  AccountAmount,
  ContractLedgerChanges,
  LedgerRejectedCode,
  LedgerView,
} from './contract-rule.js';
export { JournalLedgerPort, StagedJournal, contractLedgerEffects } from './port-adapter.js';
export type { ContractLedgerEffects, JournalBatch } from './port-adapter.js';
export type { LedgerErrorCode } from './errors.js';
