/**
 * Contracts: code hashes (v2 and ICN's legacy), signed installations, deployment messages,
 * the runtime and the actor with ICN's trust-gated authorization, execution receipts, replay.
 */
export {
  codeHash,
  codeToJson,
  codeFromJson,
  codeName,
  codeParticipants,
  codeSize,
  legacyCodeHash,
  legacyCodeHashOf,
} from './code.js';
export type { ContractCode } from './code.js';
export {
  INSTALLATION_FORMAT,
  installationBody,
  installationBodyToJson,
  installationHash,
  installationToJson,
  installationFromJson,
  signInstallation,
  withSignatures,
  stripSignatures,
  verifyInstallation,
} from './installation.js';
export type {
  Installation,
  InstallationBody,
  InstallationSignature,
  NewInstallation,
} from './installation.js';
export {
  DeploymentMessage,
  verifyDeployment,
  DEPLOYMENT_FORMAT,
  DEFAULT_MAX_CODE_BYTES,
} from './deployment.js';
export type { VerifiedDeployment } from './deployment.js';
export { REJECT_REASONS } from './reasons.js';
export type { RejectReason, Verdict } from './reasons.js';
export { InMemoryLedger, LedgerRejected } from './ledger-port.js';
export type { LedgerPort } from './ledger-port.js';
export {
  RECEIPT_FORMAT,
  receiptHash,
  receiptBodyToJson,
  receiptToJson,
  receiptFromJson,
  signReceipt,
  verifyReceipt,
  stateRoot,
  stateToJson,
  argsHash,
  outputHash,
} from './receipt.js';
export type { ExecutionReceipt, ReceiptBody, Outcome } from './receipt.js';
export {
  runExecution,
  runExecutionSync,
  witnessHash,
  WITNESS_FORMAT,
  WASM_CONTRACT_PROFILE,
} from './execution.js';
export type { ExecutionInput, WitnessBundle, ExecutionOutcome } from './execution.js';
export { ContractRuntime } from './runtime.js';
export type { ExecuteRequest, Installed, StagedExecution } from './runtime.js';
export { ContractActor, MIN_DEPLOYER_TRUST_PPM, DEFAULT_CONTRACT_CONFIG } from './actor.js';
export type {
  ContractActorOptions,
  ContractConfig,
  DeployOptions,
  HandleResult,
  StagedCall,
  StagedDeployment,
} from './actor.js';
export { ContractError } from './errors.js';
export type { ContractErrorCode } from './errors.js';
export { replayReceipt, replayReceiptSync, witnessFromJson } from './replay.js';
export type { ReplayResult } from './replay.js';
export { sandboxExecute, defaultCapabilities } from './sandbox.js';
export type { SandboxRequest, SandboxResult } from './sandbox.js';
export { keyFromByte, TableTrust } from './testkit.js';
export {
  CALL_FORMAT,
  CALL_MAX_SKEW_MS,
  CallError,
  callId,
  makeCall,
  signCall,
  signedCallToJson,
  verifyCall,
} from './call.js';
export type { CallErrorCode, ContractCall, SignedCall, VerifiedCall } from './call.js';
