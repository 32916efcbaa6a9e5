/**
 * The codes of core/wasm's errors (decoder, validator, instrumenter, interpreter, executor, WAT,
 * spec corpus), declared in one place so the kernel's files need no edit to be typed.
 */
import type { Trap } from './traps.js';

export type WasmErrorCode =
  | 'WASM_MALFORMED' // the binary does not decode
  | 'WASM_PROFILE_VIOLATION' // valid WebAssembly, not valid for the profile
  | 'WASM_REJECTED' // the executor refused the module (violations)
  | 'WASM_NOT_INSTRUMENTED'
  | 'WASM_FUEL_RANGE'
  | 'WASM_UNKNOWN_PROFILE'
  | 'WASM_PROFILE_UNAVAILABLE' // an engine without the profile (contracts map it to ENGINE_UNAVAILABLE)
  | 'WASM_ARGS' // invocation arguments (types, counts, fuel, created_at)
  | 'WASM_EXPORT' // no such export, or not a function
  | 'WASM_VALUE_SYNTAX'
  | 'WASM_LINK' // instantiation: imports that do not link
  | 'WASM_INTERP' // the interpreter met something it does not run
  | `WASM_TRAP_${Uppercase<Trap>}` // a contract's trap outcome (core/contracts)
  | 'WAT_PARSE'
  | 'WAT_FEATURE'
  | 'WAT_INIT'
  | 'WAT_NESTING'
  | 'SPEC_CORPUS_MISSING'
  | 'SPEC_CORPUS_MISMATCH'
  | 'SPEC_CORPUS_PIN';

/**
 * The rules a profile adds to WebAssembly validity (a module that breaks one is valid WebAssembly,
 * not admitted by the profile). A closed list: a new rule is added here.
 */
export const PROFILE_RULES = [
  'profile_bulk_length',
  'profile_float',
  'profile_import',
  'profile_import_signature',
  'profile_locals',
  'profile_memory_limit',
  'profile_nesting',
  'profile_params',
  'profile_reserved_name',
  'profile_results',
  'profile_simd',
  'profile_stack_frame',
  'profile_table_limit',
  'profile_threads',
] as const;
export type ProfileRule = (typeof PROFILE_RULES)[number];

/** WebAssembly validity (the spec's reasons, in snake case). */
export type ValidityCode =
  | 'alignment_must_not_be_larger_than_natural'
  | 'constant_expression_required'
  | 'data_count_section_required'
  | 'duplicate_export_name'
  | 'global_is_immutable'
  | 'implementation_limit' // one of V8's limits (validate/v8-limits.ts), adopted by every profile
  | 'invalid_lane_index'
  | 'invalid_result_arity'
  | 'memory_size_limit'
  | 'multiple_memories'
  | 'shared_memory_must_have_maximum'
  | 'size_minimum_greater_than_maximum'
  | 'start_function'
  | 'table_size_limit'
  | 'too_many_locals'
  | 'type_mismatch'
  | 'undeclared_function_reference'
  | 'unknown_data_segment'
  | 'unknown_elem_segment'
  | 'unknown_function'
  | 'unknown_global'
  | 'unknown_label'
  | 'unknown_local'
  | 'unknown_memory'
  | 'unknown_table'
  | 'unknown_type'
  | 'unlinkable_import';

/** A validation violation's code: invalid, not admitted by the profile, or not decodable. */
export type ViolationCode = ValidityCode | ProfileRule | `malformed:${string}`;

const PROFILE_RULE_SET: ReadonlySet<ViolationCode> = new Set(PROFILE_RULES);

/** Whether a violation only says "valid WebAssembly, but not admitted by this profile". */
export function isProfileRule(code: ViolationCode): code is ProfileRule {
  return PROFILE_RULE_SET.has(code);
}

/** A trap as a contract outcome's code: `WASM_TRAP_OUT_OF_FUEL`. */
export function trapCode(trap: Trap): `WASM_TRAP_${Uppercase<Trap>}` {
  return `WASM_TRAP_${trap.toUpperCase() as Uppercase<Trap>}`;
}

declare module '../errors.js' {
  interface ErrorCodes {
    wasm: WasmErrorCode;
  }
}
