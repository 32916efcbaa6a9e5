/**
 * DEPRECATED compatibility shim: this was wasm-exec's temporary adapter before wasm-core's profiles
 * landed, and core/pom and core/contracts import it. It now only re-exports the real thing; import
 * `profileHash` / `PROFILE_NAMES` from core/wasm/profiles.js (or core/wasm/index.js) instead.
 */
export { PROFILE_NAMES, profileHash as profileHashOf } from '../profiles.js';
export type { ProfileName } from '../profiles.js';
export { prepare, prepareForProfile, validateFor, WasmRejected } from './profile.js';
export type { Prepared } from './profile.js';
