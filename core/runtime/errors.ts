/** The codes of the small core modules without error classes of their own. */
export type RuntimeErrorCode =
  | 'CLOCK_BACKWARDS' // core/runtime/clock
  | 'CLOCK_RANGE'
  | 'RNG_EMPTY' // core/runtime/rng
  | 'RNG_RANGE'
  | 'RNG_SEED_RANGE';

export type HashErrorCode = 'HASH_SYNTAX' | 'HASH_UNKNOWN_DOMAIN';

declare module '../errors.js' {
  interface ErrorCodes {
    runtime: RuntimeErrorCode;
    hash: HashErrorCode;
  }
}
