/** CCL: ICN's JSON contract language: AST, strict parser, validate(), sound interpreter. */
export * from './ast.js';
export { CclError } from './errors.js';
export type { CclErrorCode } from './errors.js';
export {
  parseContract,
  contractToJson,
  parseExpr,
  parseStmt,
  exprToJson,
  stmtToJson,
  parseCapability,
  parseCapabilities,
  canonicalCapabilities,
  capabilityToJson,
  ledgerOpToJson,
  ledgerOpFromJson,
  parseArgs,
  PARSE_MAX_DEPTH,
} from './parse.js';
export { validate, exprDepth, LIMITS, RESERVED, BOUND_NAMES } from './validate.js';
export {
  execute,
  initialState,
  FUEL,
  MAX_LOOP_ITERATIONS,
  DEFAULT_FUEL,
  MAX_FUEL,
} from './interpreter.js';
export type { ExecuteRequest, ExecuteResult } from './interpreter.js';
export * from './values.js';
export { CCL_PROFILE, CCL_PROFILE_HASH } from './profile.js';

import { parseContract } from './parse.js';
import { validate } from './validate.js';
import type { Contract } from './ast.js';

/** Parse and validate in one step: the only way untrusted contract JSON should enter the core. */
export function loadContract(json: unknown): Contract {
  return validate(parseContract(json));
}
