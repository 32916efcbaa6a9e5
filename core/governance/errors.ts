/** Typed errors of governance. Codes are stable. */
import { IcnError } from '../errors.js';

export class GovernanceError extends IcnError {
  override readonly name = 'GovernanceError';
}
