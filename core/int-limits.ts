/**
 * Integer limits, defined once. bigint bounds for i64/u64 values (ledger amounts, CCL ints,
 * timestamps, fuel) and number bounds for 32-bit ones. Every module checks ranges against these
 * (core/wasm/interp/numeric.ts keeps its own until its rewrite lands: another branch owns it).
 */
export const I32_MIN = -0x8000_0000;
export const I32_MAX = 0x7fff_ffff;
export const U32_MAX = 0xffff_ffff;

export const I64_MIN = -(1n << 63n);
export const I64_MAX = (1n << 63n) - 1n;
export const U64_MAX = (1n << 64n) - 1n;
