export { PPM } from './oracle.js';
export type { TrustOracle } from './oracle.js';
export { TrustGraph, MAX_LOCAL_NODES, MAX_LOCAL_EDGES, TRUST_ROOT_VERSION } from './graph.js';
export type { ApplyResult, ApplyStatus, TrustGraphOptions } from './graph.js';
export {
  combineTwoHop,
  ProductSum,
  trustClass,
  CLASS_THRESHOLDS_PPM,
  ppmFromDecimal,
} from './score.js';
export type { TrustClass } from './score.js';
export {
  TRUST_ATTESTATION_VERSION,
  attestationBody,
  attestationHash,
  checkAttestationBody,
  compareAttestations,
  signAttestation,
  verifyAttestation,
} from './attestation.js';
export type { TrustAttestationBody, SignedTrustAttestation } from './attestation.js';
export { MemoryTrustStore } from './store.js';
export type { TrustEdge, TrustStore } from './store.js';
export { TrustError, CapacityExceeded } from './errors.js';
