/** The codes of core/canonical's errors (stable: tests, outputs and vectors name them). */
import type { CanonicalErrorCode } from './canonicalize.js';

export type CanonErrorCode =
  | CanonicalErrorCode
  | 'ENC_RANGE' // an integer encoding out of its range (i64, u64)
  | 'ENC_SYNTAX' // not the canonical decimal or hex spelling
  | 'JSON_SYNTAX' // strict JSON: a syntax error, a duplicate key, a lone surrogate
  | 'UTF8_INVALID'; // bytes that are not well-formed UTF-8

declare module '../errors.js' {
  interface ErrorCodes {
    canonical: CanonErrorCode;
  }
}
