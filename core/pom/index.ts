export {
  buildPom,
  buildPomFromReceipt,
  checkWitness,
  pomBody,
  pomHash,
  signExecutionClaim,
  verifyPom,
  verifyPomSync,
  witnessBody,
  witnessHash,
} from './pom.js';
export { ReplayerRegistry, MemoryCodeResolver } from './replayer.js';
export type { CodeResolver, Replayer } from './replayer.js';
export { cclReplayer, cclOutputHash } from './ccl-replayer.js';
export type { CclInputs } from './ccl-replayer.js';
export { wasmReplayer } from './wasm-replayer.js';
export { contractReplayer, contractOutputHash, contractWitness } from './contract-replayer.js';
export { WITNESS_VERSION, CLAIM_VERSION, POM_VERSION } from './types.js';
export type {
  ExecutionClaim,
  PomClaim,
  PomVerdict,
  ProofOfMisbehavior,
  ProofOfMisbehaviorBody,
  WitnessBundle,
} from './types.js';
