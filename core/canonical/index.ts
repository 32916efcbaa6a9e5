export {
  canonicalize,
  canonicalString,
  CanonicalError,
  childPath,
  hasLoneSurrogate,
} from './canonicalize.js';
export type { CanonicalValue, CanonicalErrorCode } from './canonicalize.js';
export { enc, dec, EncodingError } from './encodings.js';
export { parseStrictJson, JsonSyntaxError, type StrictJsonOptions } from './strict-json.js';
export { decodeUtf8Strict } from './utf8.js';
