/** Typed errors of the trust graph. Codes are stable. */
import { IcnError } from '../errors.js';

export type TrustErrorCode =
  | 'TRUST_ATTESTATION_FORMAT'
  | 'TRUST_BAD_SIGNATURE'
  | 'TRUST_CAPACITY_EXCEEDED'
  | 'TRUST_SCORE_RANGE'
  | 'TRUST_SELF_EDGE'
  | 'TRUST_STORE_WRITE';

export class TrustError extends IcnError<TrustErrorCode> {
  override readonly name: string = 'TrustError';
}
declare module '../errors.js' {
  interface ErrorCodes {
    trust: TrustErrorCode;
  }
}

/** The graph would exceed MAX_LOCAL_NODES or MAX_LOCAL_EDGES (ICN's design caps). */
export class CapacityExceeded extends TrustError {
  override readonly name = 'CapacityExceeded';
  constructor(
    readonly resource: 'nodes' | 'edges',
    readonly limit: number,
  ) {
    super(
      'TRUST_CAPACITY_EXCEEDED',
      `trust graph capacity exceeded: more than ${limit} ${resource} (MAX_LOCAL_${resource.toUpperCase()})`,
      { resource, limit },
    );
  }
}
