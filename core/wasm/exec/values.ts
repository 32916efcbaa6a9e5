/**
 * WebAssembly values as bit strings, the only form values take outside the worker:
 *   i32:0x0000002a  i64:0xfffffffffffffffe  f32:0x7fc00000  f64:0x7ff8000000000000
 *   v128:0x<32 hex digits, the 128-bit integer (lane 0 in the low bits)>
 *   funcref:null  funcref:func  externref:null  externref:<decimal id>
 * Floats are always their raw bits: a NaN's sign and payload survive (never a JS number).
 * Parsing also accepts decimal integers (`i32:-1`, `i64:-2`) for command-line convenience.
 */
import { IcnError } from '../../errors.js';

export type NumType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';
export type RefType = 'funcref' | 'externref';
export type ValType = NumType | RefType;

export const VAL_TYPES: readonly ValType[] = [
  'i32',
  'i64',
  'f32',
  'f64',
  'v128',
  'funcref',
  'externref',
];

const BITS: Record<NumType, number> = { i32: 32, i64: 64, f32: 32, f64: 64, v128: 128 };

/** A value in transport form: numbers as their unsigned bit pattern, refs as null / id. */
export type RawValue =
  | { type: NumType; bits: bigint }
  | { type: 'funcref'; ref: null | 'func' }
  | { type: 'externref'; ref: null | bigint };

export function isValType(s: string): s is ValType {
  return (VAL_TYPES as readonly string[]).includes(s);
}

export function formatValue(v: RawValue): string {
  if (v.type === 'funcref') return `funcref:${v.ref === null ? 'null' : 'func'}`;
  if (v.type === 'externref') return `externref:${v.ref === null ? 'null' : v.ref.toString()}`;
  return `${v.type}:0x${v.bits.toString(16).padStart(BITS[v.type] / 4, '0')}`;
}

function bad(s: string, why: string): IcnError {
  return new IcnError(
    'WASM_VALUE_SYNTAX',
    `${JSON.stringify(s).slice(0, 60)}: ${why} (expected e.g. i32:1, i64:-2, f32:0x7fc00000, f64:0x…, v128:0x…)`,
    { value: s },
  );
}

/** Parse `type:value`. Integers in decimal (signed or unsigned range) or 0x hex; floats only as 0x bits. */
export function parseValue(s: string): RawValue {
  const i = s.indexOf(':');
  if (i < 0) throw bad(s, 'missing type prefix');
  const type = s.slice(0, i);
  const body = s.slice(i + 1);
  if (!isValType(type)) throw bad(s, `unknown type ${JSON.stringify(type)}`);
  if (type === 'funcref') {
    if (body === 'null') return { type, ref: null };
    throw bad(s, 'a funcref argument can only be null');
  }
  if (type === 'externref') {
    if (body === 'null') return { type, ref: null };
    if (/^(0|[1-9][0-9]*)$/.test(body)) return { type, ref: BigInt(body) };
    throw bad(s, 'externref takes null or a decimal id');
  }
  const width = BITS[type];
  const mask = (1n << BigInt(width)) - 1n;
  if (/^0x[0-9a-fA-F]+$/.test(body)) {
    const b = BigInt(body);
    if (b > mask) throw bad(s, `more than ${width} bits`);
    return { type, bits: b };
  }
  if ((type === 'i32' || type === 'i64') && /^-?(0|[1-9][0-9]*)$/.test(body)) {
    const b = BigInt(body);
    const lo = -(1n << BigInt(width - 1));
    if (b < lo || b > mask) throw bad(s, `out of range for ${type}`);
    return { type, bits: b & mask };
  }
  throw bad(
    s,
    type === 'f32' || type === 'f64' || type === 'v128'
      ? `${type} values are given as 0x bits`
      : 'not an integer',
  );
}

export function parseValueList(s: string): RawValue[] {
  if (s.trim() === '') return [];
  return s.split(',').map((x) => parseValue(x.trim()));
}

export function bitWidth(t: NumType): number {
  return BITS[t];
}
