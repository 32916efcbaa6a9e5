/**
 * The opcode table of the pinned feature set: one row per instruction with its immediate kind,
 * its operand signature (for the validator), the feature it belongs to and the facts the profiles
 * and the instrumenter need (uses floats, may trap, produces a NaN that dc-float canonicalizes).
 *
 * Opcode keys: one-byte opcodes are the byte; prefixed opcodes are `prefix << 16 | sub`.
 */
import type { Proposal } from './proposal-table.js';
import type { ValType } from './types.js';

export type ImmKind =
  | 'none'
  | 'blocktype'
  | 'label'
  | 'br_table'
  | 'func'
  | 'call_indirect'
  | 'local'
  | 'global'
  | 'table'
  | 'memarg'
  | 'i32'
  | 'i64'
  | 'f32'
  | 'f64'
  | 'v128'
  | 'lane'
  | 'memarg_lane'
  | 'shuffle'
  | 'reftype'
  | 'select_t'
  | 'zero_byte'
  | 'data_zero'
  | 'data'
  | 'zero_zero'
  | 'elem_table'
  | 'elem'
  | 'table_table';

export type Feature =
  | 'mvp'
  | 'sign_extension'
  | 'sat_float_to_int'
  | 'bulk_memory'
  | 'reference_types'
  | 'simd'
  | 'relaxed_simd';

/** The proposal of each pinned feature (profiles keep the snake_case names: they are hashed). */
export const FEATURE_PROPOSAL: Readonly<Record<Feature, Proposal>> = {
  mvp: 'mvp',
  sign_extension: 'sign-extension',
  sat_float_to_int: 'nontrapping-float-to-int',
  bulk_memory: 'bulk-memory',
  reference_types: 'reference-types',
  simd: 'simd',
  relaxed_simd: 'relaxed-simd',
};

export interface OpInfo {
  key: number;
  name: string;
  imm: ImmKind;
  /** Operand signature `params>results` in letters i=i32 I=i64 f=f32 F=f64 v=v128; undefined = checked by hand. */
  sig?: string;
  feature: Feature;
  /** Touches f32/f64 (type or operation): rejected by the dc profile. */
  float: boolean;
  /** Can trap at run time (memory access, division, conversion, indirect call, bulk op, unreachable). */
  trap: boolean;
  /** Result may be a NaN that dc-float canonicalizes (scalar arithmetic, rounding, min/max, promote/demote). */
  nan?: 'f32' | 'f64';
  /** Memory access width in bytes (natural alignment = log2 of it). */
  width?: number;
  /** Number of lanes for lane immediates. */
  lanes?: number;
}

export const PREFIX_FC = 0xfc;
export const PREFIX_FD = 0xfd;
export const PREFIX_FE = 0xfe;
export const fc = (sub: number): number => (PREFIX_FC << 16) | sub;
export const fd = (sub: number): number => (PREFIX_FD << 16) | sub;

const LETTER: Record<string, ValType> = { i: 'i32', I: 'i64', f: 'f32', F: 'f64', v: 'v128' };

export function parseSig(sig: string): { params: ValType[]; results: ValType[] } {
  const [p = '', r = ''] = sig.split('>');
  return { params: [...p].map((c) => LETTER[c]!), results: [...r].map((c) => LETTER[c]!) };
}

const table = new Map<number, OpInfo>();
const byName = new Map<string, OpInfo>();

function add(
  key: number,
  name: string,
  imm: ImmKind,
  sig: string | undefined,
  feature: Feature,
  extra: Partial<OpInfo> = {},
): void {
  const float =
    extra.float ?? (/\bf(32|64)\b|f32|f64/.test(name) || (sig !== undefined && /[fF]/.test(sig)));
  const info: OpInfo = { key, name, imm, feature, float, trap: false, ...extra };
  if (sig !== undefined) info.sig = sig;
  if (table.has(key) || byName.has(name)) throw new Error(`duplicate opcode ${name}`);
  table.set(key, info);
  byName.set(name, info);
}

// ---- control and parametric (MVP + reference types) ----
add(0x00, 'unreachable', 'none', undefined, 'mvp', { trap: true });
add(0x01, 'nop', 'none', '>', 'mvp');
add(0x02, 'block', 'blocktype', undefined, 'mvp');
add(0x03, 'loop', 'blocktype', undefined, 'mvp');
add(0x04, 'if', 'blocktype', undefined, 'mvp');
add(0x05, 'else', 'none', undefined, 'mvp');
add(0x0b, 'end', 'none', undefined, 'mvp');
add(0x0c, 'br', 'label', undefined, 'mvp');
add(0x0d, 'br_if', 'label', undefined, 'mvp');
add(0x0e, 'br_table', 'br_table', undefined, 'mvp');
add(0x0f, 'return', 'none', undefined, 'mvp');
add(0x10, 'call', 'func', undefined, 'mvp');
add(0x11, 'call_indirect', 'call_indirect', undefined, 'mvp', { trap: true });
add(0x1a, 'drop', 'none', undefined, 'mvp');
add(0x1b, 'select', 'none', undefined, 'mvp');
add(0x1c, 'select_t', 'select_t', undefined, 'reference_types');
add(0x20, 'local.get', 'local', undefined, 'mvp');
add(0x21, 'local.set', 'local', undefined, 'mvp');
add(0x22, 'local.tee', 'local', undefined, 'mvp');
add(0x23, 'global.get', 'global', undefined, 'mvp');
add(0x24, 'global.set', 'global', undefined, 'mvp');
add(0x25, 'table.get', 'table', undefined, 'reference_types', { trap: true });
add(0x26, 'table.set', 'table', undefined, 'reference_types', { trap: true });

// ---- memory ----
const loads: [number, string, string, number][] = [
  [0x28, 'i32.load', 'i>i', 4],
  [0x29, 'i64.load', 'i>I', 8],
  [0x2a, 'f32.load', 'i>f', 4],
  [0x2b, 'f64.load', 'i>F', 8],
  [0x2c, 'i32.load8_s', 'i>i', 1],
  [0x2d, 'i32.load8_u', 'i>i', 1],
  [0x2e, 'i32.load16_s', 'i>i', 2],
  [0x2f, 'i32.load16_u', 'i>i', 2],
  [0x30, 'i64.load8_s', 'i>I', 1],
  [0x31, 'i64.load8_u', 'i>I', 1],
  [0x32, 'i64.load16_s', 'i>I', 2],
  [0x33, 'i64.load16_u', 'i>I', 2],
  [0x34, 'i64.load32_s', 'i>I', 4],
  [0x35, 'i64.load32_u', 'i>I', 4],
  [0x36, 'i32.store', 'ii>', 4],
  [0x37, 'i64.store', 'iI>', 8],
  [0x38, 'f32.store', 'if>', 4],
  [0x39, 'f64.store', 'iF>', 8],
  [0x3a, 'i32.store8', 'ii>', 1],
  [0x3b, 'i32.store16', 'ii>', 2],
  [0x3c, 'i64.store8', 'iI>', 1],
  [0x3d, 'i64.store16', 'iI>', 2],
  [0x3e, 'i64.store32', 'iI>', 4],
];
for (const [k, n, s, w] of loads) add(k, n, 'memarg', s, 'mvp', { trap: true, width: w });
add(0x3f, 'memory.size', 'zero_byte', '>i', 'mvp');
add(0x40, 'memory.grow', 'zero_byte', 'i>i', 'mvp');

// ---- constants ----
add(0x41, 'i32.const', 'i32', '>i', 'mvp');
add(0x42, 'i64.const', 'i64', '>I', 'mvp');
add(0x43, 'f32.const', 'f32', '>f', 'mvp');
add(0x44, 'f64.const', 'f64', '>F', 'mvp');

// ---- numeric ----
function series(
  start: number,
  prefix: string,
  names: string[],
  sig: (n: string) => string,
  extra: (n: string) => Partial<OpInfo> = () => ({}),
  feature: Feature = 'mvp',
): void {
  names.forEach((n, i) => add(start + i, `${prefix}.${n}`, 'none', sig(n), feature, extra(n)));
}
const icmp = ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'];
add(0x45, 'i32.eqz', 'none', 'i>i', 'mvp');
series(0x46, 'i32', icmp, () => 'ii>i');
add(0x50, 'i64.eqz', 'none', 'I>i', 'mvp');
series(0x51, 'i64', icmp, () => 'II>i');
const fcmp = ['eq', 'ne', 'lt', 'gt', 'le', 'ge'];
series(0x5b, 'f32', fcmp, () => 'ff>i');
series(0x61, 'f64', fcmp, () => 'FF>i');
const iun = ['clz', 'ctz', 'popcnt'];
const ibin = [
  'add',
  'sub',
  'mul',
  'div_s',
  'div_u',
  'rem_s',
  'rem_u',
  'and',
  'or',
  'xor',
  'shl',
  'shr_s',
  'shr_u',
  'rotl',
  'rotr',
];
const itrap = (n: string): Partial<OpInfo> => ({ trap: /^(div|rem)_/.test(n) });
series(0x67, 'i32', [...iun, ...ibin], (n) => (iun.includes(n) ? 'i>i' : 'ii>i'), itrap);
series(0x79, 'i64', [...iun, ...ibin], (n) => (iun.includes(n) ? 'I>I' : 'II>I'), itrap);
const fun = ['abs', 'neg', 'ceil', 'floor', 'trunc', 'nearest', 'sqrt'];
const fbin = ['add', 'sub', 'mul', 'div', 'min', 'max', 'copysign'];
const fnan =
  (t: 'f32' | 'f64') =>
  (n: string): Partial<OpInfo> =>
    ['abs', 'neg', 'copysign'].includes(n) ? {} : { nan: t };
series(0x8b, 'f32', [...fun, ...fbin], (n) => (fun.includes(n) ? 'f>f' : 'ff>f'), fnan('f32'));
series(0x99, 'f64', [...fun, ...fbin], (n) => (fun.includes(n) ? 'F>F' : 'FF>F'), fnan('f64'));
const conv: [number, string, string, Partial<OpInfo>?][] = [
  [0xa7, 'i32.wrap_i64', 'I>i'],
  [0xa8, 'i32.trunc_f32_s', 'f>i', { trap: true }],
  [0xa9, 'i32.trunc_f32_u', 'f>i', { trap: true }],
  [0xaa, 'i32.trunc_f64_s', 'F>i', { trap: true }],
  [0xab, 'i32.trunc_f64_u', 'F>i', { trap: true }],
  [0xac, 'i64.extend_i32_s', 'i>I'],
  [0xad, 'i64.extend_i32_u', 'i>I'],
  [0xae, 'i64.trunc_f32_s', 'f>I', { trap: true }],
  [0xaf, 'i64.trunc_f32_u', 'f>I', { trap: true }],
  [0xb0, 'i64.trunc_f64_s', 'F>I', { trap: true }],
  [0xb1, 'i64.trunc_f64_u', 'F>I', { trap: true }],
  [0xb2, 'f32.convert_i32_s', 'i>f'],
  [0xb3, 'f32.convert_i32_u', 'i>f'],
  [0xb4, 'f32.convert_i64_s', 'I>f'],
  [0xb5, 'f32.convert_i64_u', 'I>f'],
  [0xb6, 'f32.demote_f64', 'F>f', { nan: 'f32' }],
  [0xb7, 'f64.convert_i32_s', 'i>F'],
  [0xb8, 'f64.convert_i32_u', 'i>F'],
  [0xb9, 'f64.convert_i64_s', 'I>F'],
  [0xba, 'f64.convert_i64_u', 'I>F'],
  [0xbb, 'f64.promote_f32', 'f>F', { nan: 'f64' }],
  [0xbc, 'i32.reinterpret_f32', 'f>i'],
  [0xbd, 'i64.reinterpret_f64', 'F>I'],
  [0xbe, 'f32.reinterpret_i32', 'i>f'],
  [0xbf, 'f64.reinterpret_i64', 'I>F'],
];
for (const [k, n, s, x] of conv) add(k, n, 'none', s, 'mvp', x ?? {});
add(0xc0, 'i32.extend8_s', 'none', 'i>i', 'sign_extension');
add(0xc1, 'i32.extend16_s', 'none', 'i>i', 'sign_extension');
add(0xc2, 'i64.extend8_s', 'none', 'I>I', 'sign_extension');
add(0xc3, 'i64.extend16_s', 'none', 'I>I', 'sign_extension');
add(0xc4, 'i64.extend32_s', 'none', 'I>I', 'sign_extension');

// ---- reference types ----
add(0xd0, 'ref.null', 'reftype', undefined, 'reference_types');
add(0xd1, 'ref.is_null', 'none', undefined, 'reference_types');
add(0xd2, 'ref.func', 'func', undefined, 'reference_types');

// ---- 0xfc: saturating truncation, bulk memory, tables ----
const sat: [string, string][] = [
  ['i32.trunc_sat_f32_s', 'f>i'],
  ['i32.trunc_sat_f32_u', 'f>i'],
  ['i32.trunc_sat_f64_s', 'F>i'],
  ['i32.trunc_sat_f64_u', 'F>i'],
  ['i64.trunc_sat_f32_s', 'f>I'],
  ['i64.trunc_sat_f32_u', 'f>I'],
  ['i64.trunc_sat_f64_s', 'F>I'],
  ['i64.trunc_sat_f64_u', 'F>I'],
];
sat.forEach(([n, s], i) => add(fc(i), n, 'none', s, 'sat_float_to_int'));
add(fc(8), 'memory.init', 'data_zero', 'iii>', 'bulk_memory', { trap: true });
add(fc(9), 'data.drop', 'data', '>', 'bulk_memory');
add(fc(10), 'memory.copy', 'zero_zero', 'iii>', 'bulk_memory', { trap: true });
add(fc(11), 'memory.fill', 'zero_byte', 'iii>', 'bulk_memory', { trap: true });
add(fc(12), 'table.init', 'elem_table', 'iii>', 'bulk_memory', { trap: true });
add(fc(13), 'elem.drop', 'elem', '>', 'bulk_memory');
add(fc(14), 'table.copy', 'table_table', 'iii>', 'bulk_memory', { trap: true });
add(fc(15), 'table.grow', 'table', undefined, 'reference_types');
add(fc(16), 'table.size', 'table', '>i', 'reference_types');
add(fc(17), 'table.fill', 'table', undefined, 'reference_types', { trap: true });

// ---- 0xfd: SIMD (decoded so profiles can reject them by name; validated for raw) ----
const SIMD: (string | null)[] = [];
function simd(sub: number, name: string): void {
  SIMD[sub] = name;
}
[
  'v128.load',
  'v128.load8x8_s',
  'v128.load8x8_u',
  'v128.load16x4_s',
  'v128.load16x4_u',
  'v128.load32x2_s',
  'v128.load32x2_u',
  'v128.load8_splat',
  'v128.load16_splat',
  'v128.load32_splat',
  'v128.load64_splat',
  'v128.store',
  'v128.const',
  'i8x16.shuffle',
  'i8x16.swizzle',
  'i8x16.splat',
  'i16x8.splat',
  'i32x4.splat',
  'i64x2.splat',
  'f32x4.splat',
  'f64x2.splat',
  'i8x16.extract_lane_s',
  'i8x16.extract_lane_u',
  'i8x16.replace_lane',
  'i16x8.extract_lane_s',
  'i16x8.extract_lane_u',
  'i16x8.replace_lane',
  'i32x4.extract_lane',
  'i32x4.replace_lane',
  'i64x2.extract_lane',
  'i64x2.replace_lane',
  'f32x4.extract_lane',
  'f32x4.replace_lane',
  'f64x2.extract_lane',
  'f64x2.replace_lane',
].forEach((n, i) => simd(i, n));
['i8x16', 'i16x8', 'i32x4'].forEach((s, j) =>
  icmp.forEach((c, i) => simd(35 + 10 * j + i, `${s}.${c}`)),
);
fcmp.forEach((c, i) => simd(65 + i, `f32x4.${c}`));
fcmp.forEach((c, i) => simd(71 + i, `f64x2.${c}`));
[
  'v128.not',
  'v128.and',
  'v128.andnot',
  'v128.or',
  'v128.xor',
  'v128.bitselect',
  'v128.any_true',
  'v128.load8_lane',
  'v128.load16_lane',
  'v128.load32_lane',
  'v128.load64_lane',
  'v128.store8_lane',
  'v128.store16_lane',
  'v128.store32_lane',
  'v128.store64_lane',
  'v128.load32_zero',
  'v128.load64_zero',
  'f32x4.demote_f64x2_zero',
  'f64x2.promote_low_f32x4',
  'i8x16.abs',
  'i8x16.neg',
  'i8x16.popcnt',
  'i8x16.all_true',
  'i8x16.bitmask',
  'i8x16.narrow_i16x8_s',
  'i8x16.narrow_i16x8_u',
  'f32x4.ceil',
  'f32x4.floor',
  'f32x4.trunc',
  'f32x4.nearest',
  'i8x16.shl',
  'i8x16.shr_s',
  'i8x16.shr_u',
  'i8x16.add',
  'i8x16.add_sat_s',
  'i8x16.add_sat_u',
  'i8x16.sub',
  'i8x16.sub_sat_s',
  'i8x16.sub_sat_u',
  'f64x2.ceil',
  'f64x2.floor',
  'i8x16.min_s',
  'i8x16.min_u',
  'i8x16.max_s',
  'i8x16.max_u',
  'f64x2.trunc',
  'i8x16.avgr_u',
  'i16x8.extadd_pairwise_i8x16_s',
  'i16x8.extadd_pairwise_i8x16_u',
  'i32x4.extadd_pairwise_i16x8_s',
  'i32x4.extadd_pairwise_i16x8_u',
  'i16x8.abs',
  'i16x8.neg',
  'i16x8.q15mulr_sat_s',
  'i16x8.all_true',
  'i16x8.bitmask',
  'i16x8.narrow_i32x4_s',
  'i16x8.narrow_i32x4_u',
  'i16x8.extend_low_i8x16_s',
  'i16x8.extend_high_i8x16_s',
  'i16x8.extend_low_i8x16_u',
  'i16x8.extend_high_i8x16_u',
  'i16x8.shl',
  'i16x8.shr_s',
  'i16x8.shr_u',
  'i16x8.add',
  'i16x8.add_sat_s',
  'i16x8.add_sat_u',
  'i16x8.sub',
  'i16x8.sub_sat_s',
  'i16x8.sub_sat_u',
  'f64x2.nearest',
  'i16x8.mul',
  'i16x8.min_s',
  'i16x8.min_u',
  'i16x8.max_s',
  'i16x8.max_u',
  null,
  'i16x8.avgr_u',
  'i16x8.extmul_low_i8x16_s',
  'i16x8.extmul_high_i8x16_s',
  'i16x8.extmul_low_i8x16_u',
  'i16x8.extmul_high_i8x16_u',
  'i32x4.abs',
  'i32x4.neg',
  null,
  'i32x4.all_true',
  'i32x4.bitmask',
  null,
  null,
  'i32x4.extend_low_i16x8_s',
  'i32x4.extend_high_i16x8_s',
  'i32x4.extend_low_i16x8_u',
  'i32x4.extend_high_i16x8_u',
  'i32x4.shl',
  'i32x4.shr_s',
  'i32x4.shr_u',
  'i32x4.add',
  null,
  null,
  'i32x4.sub',
  null,
  null,
  null,
  'i32x4.mul',
  'i32x4.min_s',
  'i32x4.min_u',
  'i32x4.max_s',
  'i32x4.max_u',
  'i32x4.dot_i16x8_s',
  null,
  'i32x4.extmul_low_i16x8_s',
  'i32x4.extmul_high_i16x8_s',
  'i32x4.extmul_low_i16x8_u',
  'i32x4.extmul_high_i16x8_u',
  'i64x2.abs',
  'i64x2.neg',
  null,
  'i64x2.all_true',
  'i64x2.bitmask',
  null,
  null,
  'i64x2.extend_low_i32x4_s',
  'i64x2.extend_high_i32x4_s',
  'i64x2.extend_low_i32x4_u',
  'i64x2.extend_high_i32x4_u',
  'i64x2.shl',
  'i64x2.shr_s',
  'i64x2.shr_u',
  'i64x2.add',
  null,
  null,
  'i64x2.sub',
  null,
  null,
  null,
  'i64x2.mul',
  'i64x2.eq',
  'i64x2.ne',
  'i64x2.lt_s',
  'i64x2.gt_s',
  'i64x2.le_s',
  'i64x2.ge_s',
  'i64x2.extmul_low_i32x4_s',
  'i64x2.extmul_high_i32x4_s',
  'i64x2.extmul_low_i32x4_u',
  'i64x2.extmul_high_i32x4_u',
  'f32x4.abs',
  'f32x4.neg',
  null,
  'f32x4.sqrt',
  'f32x4.add',
  'f32x4.sub',
  'f32x4.mul',
  'f32x4.div',
  'f32x4.min',
  'f32x4.max',
  'f32x4.pmin',
  'f32x4.pmax',
  'f64x2.abs',
  'f64x2.neg',
  null,
  'f64x2.sqrt',
  'f64x2.add',
  'f64x2.sub',
  'f64x2.mul',
  'f64x2.div',
  'f64x2.min',
  'f64x2.max',
  'f64x2.pmin',
  'f64x2.pmax',
  'i32x4.trunc_sat_f32x4_s',
  'i32x4.trunc_sat_f32x4_u',
  'f32x4.convert_i32x4_s',
  'f32x4.convert_i32x4_u',
  'i32x4.trunc_sat_f64x2_s_zero',
  'i32x4.trunc_sat_f64x2_u_zero',
  'f64x2.convert_low_i32x4_s',
  'f64x2.convert_low_i32x4_u',
].forEach((n, i) => {
  if (n !== null) simd(77 + i, n);
});
const RELAXED = [
  'i8x16.relaxed_swizzle',
  'i32x4.relaxed_trunc_f32x4_s',
  'i32x4.relaxed_trunc_f32x4_u',
  'i32x4.relaxed_trunc_f64x2_s_zero',
  'i32x4.relaxed_trunc_f64x2_u_zero',
  'f32x4.relaxed_madd',
  'f32x4.relaxed_nmadd',
  'f64x2.relaxed_madd',
  'f64x2.relaxed_nmadd',
  'i8x16.relaxed_laneselect',
  'i16x8.relaxed_laneselect',
  'i32x4.relaxed_laneselect',
  'i64x2.relaxed_laneselect',
  'f32x4.relaxed_min',
  'f32x4.relaxed_max',
  'f64x2.relaxed_min',
  'f64x2.relaxed_max',
  'i16x8.relaxed_q15mulr_s',
  'i16x8.relaxed_dot_i8x16_i7x16_s',
  'i32x4.relaxed_dot_i8x16_i7x16_add_s',
];
RELAXED.forEach((n, i) => simd(0x100 + i, n));

const SHAPE_LANES: Record<string, number> = {
  i8x16: 16,
  i16x8: 8,
  i32x4: 4,
  i64x2: 2,
  f32x4: 4,
  f64x2: 2,
};
const SHAPE_SCALAR: Record<string, string> = {
  i8x16: 'i',
  i16x8: 'i',
  i32x4: 'i',
  i64x2: 'I',
  f32x4: 'f',
  f64x2: 'F',
};

/** Derive immediate kind, signature and width of a SIMD instruction from its name. */
function simdShape(name: string): {
  imm: ImmKind;
  sig: string;
  width?: number;
  lanes?: number;
  trap?: boolean;
} {
  const [shape = '', op = ''] = name.split('.');
  const load = /^load(\d+)?(x(\d+)_[su]|_splat|_zero|_lane)?$/.exec(op);
  if (op === 'load' || op === 'store')
    return { imm: 'memarg', sig: op === 'load' ? 'i>v' : 'iv>', width: 16, trap: true };
  if (load) {
    const bits = Number(load[1]);
    if (load[2]?.startsWith('x')) return { imm: 'memarg', sig: 'i>v', width: 8, trap: true };
    if (load[2] === '_lane')
      return { imm: 'memarg_lane', sig: 'iv>v', width: bits / 8, lanes: 128 / bits, trap: true };
    return { imm: 'memarg', sig: 'i>v', width: bits / 8, trap: true };
  }
  const store = /^store(\d+)_lane$/.exec(op);
  if (store) {
    const bits = Number(store[1]);
    return { imm: 'memarg_lane', sig: 'iv>', width: bits / 8, lanes: 128 / bits, trap: true };
  }
  if (op === 'const') return { imm: 'v128', sig: '>v' };
  if (op === 'shuffle') return { imm: 'shuffle', sig: 'vv>v' };
  const lanes = SHAPE_LANES[shape];
  const scalar = SHAPE_SCALAR[shape];
  if (op === 'splat') return { imm: 'none', sig: `${scalar}>v` };
  if (op.startsWith('extract_lane')) return { imm: 'lane', sig: `v>${scalar}`, lanes: lanes! };
  if (op === 'replace_lane') return { imm: 'lane', sig: `v${scalar}>v`, lanes: lanes! };
  if (op === 'any_true' || op === 'all_true' || op === 'bitmask')
    return { imm: 'none', sig: 'v>i' };
  if (/^sh(l|r_[su])$/.test(op)) return { imm: 'none', sig: 'vi>v' };
  if (
    op === 'bitselect' ||
    op.endsWith('laneselect') ||
    op.endsWith('madd') ||
    op.endsWith('nmadd') ||
    op.endsWith('_add_s')
  )
    return { imm: 'none', sig: 'vvv>v' };
  const unary =
    /^(not|abs|neg|popcnt|sqrt|ceil|floor|trunc|nearest|extend_(low|high)_.*|extadd_pairwise_.*|convert_.*|trunc_sat_.*|relaxed_trunc_.*|demote_.*|promote_.*)$/;
  if (unary.test(op)) return { imm: 'none', sig: 'v>v' };
  return { imm: 'none', sig: 'vv>v' };
}

SIMD.forEach((n, sub) => {
  if (n === undefined || n === null) return;
  const s = simdShape(n);
  const extra: Partial<OpInfo> = { float: /f32|f64/.test(n), trap: s.trap ?? false };
  if (s.width !== undefined) extra.width = s.width;
  if (s.lanes !== undefined) extra.lanes = s.lanes;
  add(fd(sub), n, s.imm, s.sig, sub >= 0x100 ? 'relaxed_simd' : 'simd', extra);
});

// ---- opcodes of later proposals: named, with their proposal, never decoded ----
export const PREFIX_FB = 0xfb;
const later = new Map<number, { name: string; proposal: Proposal }>();
function addLater(key: number, name: string, proposal: Proposal): void {
  if (table.has(key) || later.has(key)) throw new Error(`duplicate opcode ${name}`);
  later.set(key, { name, proposal });
}
(
  [
    [0x06, 'try'],
    [0x07, 'catch'],
    [0x08, 'throw'],
    [0x09, 'rethrow'],
    [0x0a, 'throw_ref'],
    [0x18, 'delegate'],
    [0x19, 'catch_all'],
    [0x1f, 'try_table'],
  ] as const
).forEach(([k, n]) => addLater(k, n, 'exception-handling'));
addLater(0x12, 'return_call', 'tail-call');
addLater(0x13, 'return_call_indirect', 'tail-call');
(
  [
    [0x14, 'call_ref'],
    [0x15, 'return_call_ref'],
    [0xd4, 'ref.as_non_null'],
    [0xd5, 'br_on_null'],
    [0xd6, 'br_on_non_null'],
  ] as const
).forEach(([k, n]) => addLater(k, n, 'function-references'));
addLater(0xd3, 'ref.eq', 'gc');
[
  'struct.new',
  'struct.new_default',
  'struct.get',
  'struct.get_s',
  'struct.get_u',
  'struct.set',
  'array.new',
  'array.new_default',
  'array.new_fixed',
  'array.new_data',
  'array.new_elem',
  'array.get',
  'array.get_s',
  'array.get_u',
  'array.set',
  'array.len',
  'array.fill',
  'array.copy',
  'array.init_data',
  'array.init_elem',
  'ref.test',
  'ref.test_null',
  'ref.cast',
  'ref.cast_null',
  'br_on_cast',
  'br_on_cast_fail',
  'any.convert_extern',
  'extern.convert_any',
  'ref.i31',
  'i31.get_s',
  'i31.get_u',
].forEach((n, i) => addLater((PREFIX_FB << 16) | i, n, 'gc'));
(['i64.add128', 'i64.sub128', 'i64.mul_wide_s', 'i64.mul_wide_u'] as const).forEach((n, i) =>
  addLater(fc(0x13 + i), n, 'wide-arithmetic'),
);
const fe = (sub: number): number => (PREFIX_FE << 16) | sub;
(['memory.atomic.notify', 'memory.atomic.wait32', 'memory.atomic.wait64'] as const).forEach(
  (n, i) => addLater(fe(i), n, 'threads'),
);
addLater(fe(0x03), 'atomic.fence', 'threads');
// loads, stores, then seven read-modify-write families of seven widths each (0xfe 0x10-0x4e)
const ATOMIC_WIDTHS = ['i32', 'i64', 'i32_8u', 'i32_16u', 'i64_8u', 'i64_16u', 'i64_32u'];
[
  'load',
  'store',
  'rmw.add',
  'rmw.sub',
  'rmw.and',
  'rmw.or',
  'rmw.xor',
  'rmw.xchg',
  'rmw.cmpxchg',
].forEach((op, j) =>
  ATOMIC_WIDTHS.forEach((w, i) => {
    const [t, narrow] = w.split('_');
    const name =
      narrow === undefined
        ? `${t}.atomic.${op}`
        : op === 'load' || op === 'store'
          ? `${t}.atomic.${op}${narrow.replace('u', '')}${op === 'load' ? '_u' : ''}`
          : `${t}.atomic.${op.replace('rmw', `rmw${narrow.replace('u', '')}`)}_u`;
    addLater(fe(0x10 + 7 * j + i), name, 'threads');
  }),
);

/** The proposal-table row of any opcode key we know (pinned or later), or undefined. */
export function opcodeRow(
  key: number,
): { name: string; proposal: Proposal; decoded: boolean } | undefined {
  const info = table.get(key);
  if (info !== undefined)
    return { name: info.name, proposal: FEATURE_PROPOSAL[info.feature], decoded: true };
  const l = later.get(key);
  return l === undefined ? undefined : { ...l, decoded: false };
}

/** Every opcode key of a later proposal (not decoded). */
export function laterOpcodes(): number[] {
  return [...later.keys()].sort((a, b) => a - b);
}

/** The row for an opcode key, or undefined for an unknown opcode. */
export function opInfo(key: number): OpInfo | undefined {
  return table.get(key);
}

/** The row for an instruction name (`i32.add`, `memory.fill`, `select_t` for typed select). */
export function opByName(name: string): OpInfo {
  const o = byName.get(name);
  if (o === undefined) throw new Error(`no opcode named ${name}`);
  return o;
}

export function allOps(): OpInfo[] {
  return [...table.values()].sort((a, b) => a.key - b.key);
}

/** Opcode key of a named instruction (for building code). */
export const OP = (name: string): number => opByName(name).key;
