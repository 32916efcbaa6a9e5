/**
 * Execution profiles. `raw` is V8 as is (utility compute, comparisons); `dc` (ICN-DC v1) is the
 * deterministic integer profile for legitimacy compute; `dc-float` is `dc` plus f32/f64 with NaN
 * canonicalization. Each profile has a canonical manifest; its hash goes into every result, so a
 * result always says which rules (features, cost table, limits, ABI) produced it.
 */
import { IcnError } from '../errors.js';
import { contentHash, DOMAIN, type Hash } from '../hash/index.js';
import type { Feature } from './binary/opcodes.js';
import type { ValType } from './binary/types.js';
import { COST_TABLE_V1, costTableHash, type CostTable } from './cost-table.js';

export type ProfileName = 'raw' | 'dc' | 'dc-float';
export const PROFILE_NAMES: readonly ProfileName[] = ['raw', 'dc', 'dc-float'];

export interface HostImport {
  module: string;
  name: string;
  params: ValType[];
  results: ValType[];
}

export interface ProfileLimits {
  /** Memory pages (64 KiB); larger declared maxima are capped to this, larger minima rejected. */
  maxMemoryPages: number;
  maxTables: number;
  /** Table elements; larger declared maxima are capped, larger minima rejected. */
  maxTableElements: number;
  /** Block/loop/if nesting inside one function. */
  maxControlNesting: number;
  /** memory.copy/memory.fill/memory.init length: static check on constants, dynamic trap otherwise. */
  maxBulkBytes: number;
  /** Logical stack budget in slots (one per value, two per v128). */
  maxStackSlots: number;
  /** Slots charged per call frame on top of locals and the maximum operand height. */
  frameOverheadSlots: number;
  maxFunctionLocals: number;
  maxParams: number;
  maxResults: number;
  /** Fuel the instrumented module starts with (it pays for the start function). */
  initialFuel: string;
}

export interface Profile {
  name: ProfileName;
  /** Version of this profile's rules; bump on any change of semantics. */
  version: number;
  features: readonly Feature[];
  floats: boolean;
  nanCanonicalization: boolean;
  simd: boolean;
  instrumented: boolean;
  /** The only imports allowed (undefined = any import, as V8 allows). */
  imports?: readonly HostImport[];
  limits?: ProfileLimits;
  costTable?: CostTable;
}

export const HOST_IMPORTS: readonly HostImport[] = Object.freeze([
  { module: 'icn', name: 'log', params: ['i32', 'i32'], results: [] },
  { module: 'icn', name: 'timestamp', params: [], results: ['i64'] },
  { module: 'icn', name: 'entropy_seed', params: ['i32'], results: [] },
] satisfies HostImport[]);

export const DC_LIMITS: ProfileLimits = Object.freeze({
  maxMemoryPages: 2048,
  maxTables: 16,
  maxTableElements: 10_000,
  maxControlNesting: 100,
  maxBulkBytes: 1 << 20,
  maxStackSlots: 65_536,
  frameOverheadSlots: 8,
  maxFunctionLocals: 10_000,
  maxParams: 1_000,
  maxResults: 1_000,
  initialFuel: '10000000000',
});

const DC_FEATURES: readonly Feature[] = [
  'mvp',
  'sign_extension',
  'sat_float_to_int',
  'bulk_memory',
  'reference_types',
];

/** ABI version of the instrumented module (the __icn_* exports and their meaning). */
export const INSTRUMENTATION_ABI = 'icn-dc-abi/v1';

export const PROFILES: Readonly<Record<ProfileName, Profile>> = Object.freeze({
  raw: {
    name: 'raw',
    version: 1,
    features: [...DC_FEATURES, 'simd', 'relaxed_simd'],
    floats: true,
    nanCanonicalization: false,
    simd: true,
    instrumented: false,
  },
  dc: {
    name: 'dc',
    version: 1,
    features: DC_FEATURES,
    floats: false,
    nanCanonicalization: false,
    simd: false,
    instrumented: true,
    imports: HOST_IMPORTS,
    limits: DC_LIMITS,
    costTable: COST_TABLE_V1,
  },
  'dc-float': {
    name: 'dc-float',
    version: 1,
    features: DC_FEATURES,
    floats: true,
    nanCanonicalization: true,
    simd: false,
    instrumented: true,
    imports: HOST_IMPORTS,
    limits: DC_LIMITS,
    costTable: COST_TABLE_V1,
  },
});

export function isProfileName(s: string): s is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(s);
}

export function getProfile(name: string): Profile {
  if (!isProfileName(name))
    throw new IcnError(
      'WASM_UNKNOWN_PROFILE',
      `unknown wasm profile ${JSON.stringify(name)} (expected one of ${PROFILE_NAMES.join(', ')})`,
      { profile: name },
    );
  return PROFILES[name];
}

/** The canonical manifest of a profile: everything that determines its results. */
export function profileManifest(name: ProfileName): Record<string, unknown> {
  const p = getProfile(name);
  const m: Record<string, unknown> = {
    format: 'icn-wasm-profile/v1',
    name: p.name,
    version: p.version,
    engine: p.instrumented ? 'v8+icn-instrumentation' : 'v8',
    features: [...p.features].sort(),
    floats: p.floats,
    nanCanonicalization: p.nanCanonicalization,
    simd: p.simd,
    threads: false,
  };
  if (p.imports)
    m.imports = p.imports.map((i) => ({ ...i, params: [...i.params], results: [...i.results] }));
  if (p.limits) m.limits = { ...p.limits };
  if (p.costTable) m.costTableHash = costTableHash(p.costTable);
  if (p.instrumented) m.abi = INSTRUMENTATION_ABI;
  return m;
}

const hashCache = new Map<ProfileName, Hash>();

/** contentHash(DOMAIN.wasmProfile, manifest). */
export function profileHash(name: ProfileName): Hash {
  let h = hashCache.get(name);
  if (h === undefined) {
    h = contentHash(DOMAIN.wasmProfile, profileManifest(name));
    hashCache.set(name, h);
  }
  return h;
}
