/**
 * Typed CCL errors. Every failure of parsing, validation or execution is a CclError with a stable
 * code; `details.path` (a JSON path into the contract document) says where, the message says why.
 * Execution errors are deterministic outcomes (they go into receipts), never crashes.
 */
import { IcnError } from '../errors.js';

export type CclErrorCode =
  // the document
  | 'CCL_PARSE' // not ICN's contract JSON shape (path + reason)
  | 'CCL_INVALID' // violates validate()'s limits (details.check names the rule)
  | 'CCL_UNSUPPORTED' // a construct we deliberately refuse (triggers): fail closed
  // the request
  | 'CCL_UNKNOWN_RULE'
  | 'CCL_ARITY'
  | 'CCL_ARGS' // arguments or state that are not CCL values
  | 'CCL_FUEL_LIMIT' // the requested fuel limit is outside 1..MAX_FUEL
  // execution (deterministic outcomes)
  | 'CCL_OUT_OF_FUEL'
  | 'CCL_PRECONDITION' // requires[index] was falsy
  | 'CCL_UNDEFINED_VARIABLE'
  | 'CCL_UNKNOWN_FUNCTION'
  | 'CCL_TYPE'
  | 'CCL_OVERFLOW' // checked i64: + - * neg abs, i64::MIN / -1
  | 'CCL_DIVISION_BY_ZERO' // x / 0 and x % 0
  | 'CCL_LOOP_LIMIT' // iterable longer than MAX_LOOP_ITERATIONS
  | 'CCL_VALUE_TOO_LARGE' // string or collection beyond the value limits
  | 'CCL_NO_SUCH_FIELD'
  | 'CCL_CAPABILITY' // the installation does not grant the access
  | 'CCL_LEDGER_OP'; // a ledger operation with a bad amount, account or currency

export class CclError extends IcnError<CclErrorCode> {
  override readonly name = 'CclError';

  /** The canonical, hashable form of the error for receipts: code and path only (messages may be reworded). */
  toOutcome(): { code: string; path: string | null } {
    return {
      code: this.code,
      path: typeof this.details.path === 'string' ? this.details.path : null,
    };
  }
}

declare module '../errors.js' {
  interface ErrorCodes {
    ccl: CclErrorCode;
  }
}
