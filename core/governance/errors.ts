/** Typed errors of governance. Codes are stable. */
import { IcnError } from '../errors.js';

export type GovernanceErrorCode =
  | 'GOV_FORMAT' // a malformed proposal, vote, record or receipt
  | 'GOV_PAYLOAD' // an effect payload that does not parse
  | 'GOV_PAYLOAD_UNSUPPORTED'
  | 'GOV_OVERFLOW'
  | 'GOV_BAD_SIGNATURE'
  | 'GOV_DUPLICATE_VOTE'
  | 'GOV_NOT_ELIGIBLE'
  | 'GOV_NOT_EXECUTOR'
  | 'GOV_RECEIPT_MISMATCH'
  | 'GOV_RECORD_MALFORMED'
  | 'GOV_WEIGHT'
  | 'GOV_WRONG_PROPOSAL'
  // execution of an accepted decision
  | 'GOV_ADVISORY'
  | 'GOV_ALREADY_EXECUTED'
  | 'GOV_BUDGET'
  | 'GOV_CLOSED'
  | 'GOV_EFFECT_UNSUPPORTED'
  | 'GOV_EXECUTION_RACE'
  | 'GOV_FEDERATION'
  | 'GOV_MEMBERSHIP'
  | 'GOV_NONCE_REUSED'
  | 'GOV_NOT_ACCEPTED'
  | 'GOV_REPLAY_MISMATCH'
  | 'GOV_RESOURCE'
  | 'GOV_VETOED';

export class GovernanceError extends IcnError<GovernanceErrorCode> {
  override readonly name = 'GovernanceError';
}
declare module '../errors.js' {
  interface ErrorCodes {
    governance: GovernanceErrorCode;
  }
}
