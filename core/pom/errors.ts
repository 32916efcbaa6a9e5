/** The codes of proof-of-mismatch errors (stable). */
export type PomErrorCode =
  | 'POM_FORMAT'
  | 'POM_BAD_SIGNATURE'
  | 'POM_CODE_MISMATCH'
  | 'POM_CODE_UNKNOWN'
  | 'POM_ENTROPY_MISMATCH'
  | 'POM_PROFILE_MISMATCH'
  | 'POM_INPUTS_MISMATCH'
  | 'POM_NO_MISMATCH'
  | 'POM_NO_REPLAYER'
  | 'POM_ASYNC_REPLAY'
  | 'POM_REPLAYER_DUPLICATE';

declare module '../errors.js' {
  interface ErrorCodes {
    pom: PomErrorCode;
  }
}
