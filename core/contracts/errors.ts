/** Typed errors of the contract runtime (stable codes). */
import { IcnError } from '../errors.js';

export type ContractErrorCode =
  | 'CONTRACT_NOT_FOUND'
  | 'CONTRACT_UNAUTHORIZED'
  | 'CONTRACT_ARGS'
  /** The code's engine cannot run here (WASM before the ICN-DC profile is available). */
  | 'ENGINE_UNAVAILABLE'
  | 'WITNESS_MISMATCH'
  /** A staged execution is committed after the contract's state changed under it. */
  | 'CONTRACT_STATE_RACE'
  /** Malformed or wrongly signed documents: deployments, receipts, witnesses. */
  | 'DEPLOYMENT_MALFORMED'
  | 'DEPLOYMENT_SIGNER'
  | 'RECEIPT_MALFORMED'
  | 'RECEIPT_SIGNER'
  | 'WITNESS_MALFORMED';

export class ContractError extends IcnError<ContractErrorCode> {
  override readonly name = 'ContractError';
}

declare module '../errors.js' {
  interface ErrorCodes {
    contracts: ContractErrorCode | import('./call.js').CallErrorCode;
  }
}
