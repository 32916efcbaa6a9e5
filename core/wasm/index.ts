/** The deterministic WASM engine: public surface. wasm-core and wasm-exec each add their own export lines. */
export { watToWasm, PINNED_WAT_FEATURES } from './wat.js';
export type { WatFeatures, WatOptions } from './wat.js';
// wasm-core: binary format, validator, profiles, cost table, instrumenter
export { decodeModule, tryDecodeModule, WasmDecodeError } from './binary/decode.js';
export { encodeModule } from './binary/encode.js';
export { opInfo, opByName, allOps } from './binary/opcodes.js';
export type { OpInfo, Feature, ImmKind } from './binary/opcodes.js';
export type * from './binary/types.js';
export { validateModule, validateDetailed, validateDecoded } from './validate/validate.js';
export type {
  Violation,
  ValidationResult,
  DetailedValidation,
  FuncFacts,
} from './validate/validate.js';
export {
  PROFILES,
  PROFILE_NAMES,
  HOST_IMPORTS,
  DC_LIMITS,
  INSTRUMENTATION_ABI,
  getProfile,
  isProfileName,
  profileManifest,
  profileHash,
} from './profiles.js';
export type { Profile, ProfileName, ProfileLimits, HostImport } from './profiles.js';
export { COST_TABLE_V1, opCost, bulkCost, costTableHash, costListing } from './cost-table.js';
export type { CostTable, BulkCost } from './cost-table.js';
export {
  instrumentModule,
  validateInstrumented,
  endsSegment,
  WasmProfileError,
  ICN_TRAP,
  ICN_EXPORTS,
  CANONICAL_NAN_F32,
  CANONICAL_NAN_F64,
} from './instrument/instrument.js';
export type {
  InstrumentOptions,
  InstrumentResult,
  InstrumentStats,
} from './instrument/instrument.js';
