/**
 * TEMPORARY ADAPTER (wasm-exec): the executor's view of profiles and instrumentation until
 * wasm-core's profiles.ts / validate / instrument land; then this file is replaced by direct calls
 * and deleted. Only `raw` works here; `dc` and `dc-float` throw WASM_PROFILE_UNAVAILABLE.
 */
import { IcnError } from '../../errors.js';
import { contentHash, DOMAIN, type Hash } from '../../hash/index.js';

export type ProfileName = 'raw' | 'dc' | 'dc-float';
export const PROFILE_NAMES: readonly ProfileName[] = ['raw', 'dc', 'dc-float'];

export interface Prepared {
  bytes: Uint8Array;
  profileHash: Hash;
  instrumented: boolean;
}

export interface Violation {
  code: string;
  offset: number;
  function?: number;
  detail: string;
}

export function profileHashOf(name: ProfileName): Hash {
  if (name !== 'raw') throw new IcnError('WASM_PROFILE_UNAVAILABLE', `profile ${name} is not available yet (waiting for core/wasm/profiles.ts)`);
  return contentHash(DOMAIN.wasmProfile, { name: 'raw', version: 'adapter-0' });
}

export function validateFor(_bytes: Uint8Array, name: ProfileName): { ok: boolean; violations: Violation[] } {
  profileHashOf(name);
  return { ok: true, violations: [] };
}

export function prepare(bytes: Uint8Array, name: ProfileName): Prepared {
  return { bytes, profileHash: profileHashOf(name), instrumented: false };
}

/** For the .wast runner: the module to run under a profile, or why not (outside the profile vs invalid). */
export function prepareForProfile(bytes: Uint8Array, name: ProfileName): { ok: true; bytes: Uint8Array } | { ok: false; outsideProfile: boolean; reason: string } {
  const v = validateFor(bytes, name);
  if (!v.ok) return { ok: false, outsideProfile: false, reason: v.violations.map((x) => x.code).join(', ') };
  return { ok: true, bytes: prepare(bytes, name).bytes };
}
