/**
 * What the rest of the core needs to know about trust: a score from one DID to another, in parts
 * per million (0..1_000_000). The trust graph implements it; contracts and the ledger depend only
 * on this interface.
 */
import type { Did } from '../identity/index.js';

/** 1.0 in parts per million. */
export const PPM = 1_000_000;

export interface TrustOracle {
  /** Trust of `from` in `to`, in ppm (0..1_000_000). Integer arithmetic only. */
  scorePpm(from: Did, to: Did): number;
}
