/**
 * How the executor takes a module under a profile, using wasm-core's validator and instrumenter:
 * `raw` runs the bytes as they are (V8 decides what is valid); `dc` and `dc-float` validate
 * against the profile (every violation) and run the instrumented module.
 */
import { IcnError } from '../../errors.js';
import type { Hash } from '../../hash/index.js';
import { isProfileRule } from '../errors.js';
import {
  instrumentModule,
  instrumentOrReject,
  WasmProfileError,
} from '../instrument/instrument.js';
import { getProfile, profileHash, type ProfileName } from '../profiles.js';
import { validateModule, type Violation } from '../validate/validate.js';

export type { ProfileName };

export interface Prepared {
  bytes: Uint8Array;
  profileHash: Hash;
  instrumented: boolean;
}

export class WasmRejected extends IcnError {
  override readonly name = 'WasmRejected';
  constructor(
    message: string,
    readonly violations: Violation[],
  ) {
    super('WASM_REJECTED', message, { count: violations.length });
  }
}

/** Violations that only say "valid WebAssembly, but not admitted by this profile". */
export function isProfileViolation(v: Violation): boolean {
  return isProfileRule(v.code);
}

export function prepare(bytes: Uint8Array, name: ProfileName): Prepared {
  const p = getProfile(name);
  if (!p.instrumented) return { bytes, profileHash: profileHash(name), instrumented: false };
  try {
    const r = instrumentModule(bytes, name);
    return { bytes: r.bytes, profileHash: r.profileHash, instrumented: true };
  } catch (e) {
    if (e instanceof WasmProfileError)
      throw new WasmRejected(
        `module rejected by profile ${name}: ${e.violations.length} violation(s)`,
        e.violations,
      );
    throw e;
  }
}

export function validateFor(
  bytes: Uint8Array,
  name: ProfileName,
): { ok: boolean; violations: Violation[] } {
  return validateModule(bytes, name);
}

/**
 * For the .wast runner: the module to run under a profile, or why not. `outsideProfile` is true
 * only when every violation is a profile rule (the module is valid WebAssembly the profile does
 * not admit); anything else means our validator calls it invalid or malformed.
 */
export function prepareForProfile(
  bytes: Uint8Array,
  name: ProfileName,
):
  | { ok: true; bytes: Uint8Array }
  | { ok: false; outsideProfile: boolean; reason: string; violations: Violation[] } {
  const rejected = (violations: Violation[]) => {
    const codes = [...new Set(violations.map((x) => x.code))].sort();
    return {
      ok: false as const,
      outsideProfile: violations.every(isProfileViolation),
      reason: codes.join(', '),
      violations,
    };
  };
  if (!getProfile(name).instrumented) {
    const v = validateModule(bytes, name);
    return v.ok ? { ok: true, bytes } : rejected(v.violations);
  }
  // the instrumenter validates first (the same validator, the same violations): one pass, not two
  const r = instrumentOrReject(bytes, name);
  return 'violations' in r ? rejected(r.violations) : { ok: true, bytes: r.bytes };
}
