/**
 * The one canonical encoder of the project: RFC 8785 (JCS) semantics, made strict.
 *
 * Why our own and not json-stable-stringify: that package sorts keys the JCS way but writes NaN and
 * Infinity as `null`, drops `undefined`, accepts lone surrogates and non-plain objects, and cannot
 * say *where* a bad value sits. Every one of those silently changes a hash. Here each is a typed
 * error naming the JSON path. The value domain is JSON with integers only: numbers must be safe
 * integers; anything wider (i64, u64, bytes, NaN bits) travels as a string (see encodings.ts).
 */
import { IcnError } from '../errors.js';

export type CanonicalValue =
  | null
  | boolean
  | number
  | string
  | readonly CanonicalValue[]
  | { readonly [key: string]: CanonicalValue };

export type CanonicalErrorCode =
  | 'CANON_NAN'
  | 'CANON_INFINITY'
  | 'CANON_NON_INTEGER'
  | 'CANON_UNSAFE_INTEGER'
  | 'CANON_LONE_SURROGATE'
  | 'CANON_UNDEFINED'
  | 'CANON_FUNCTION'
  | 'CANON_SYMBOL'
  | 'CANON_BIGINT'
  | 'CANON_CYCLE'
  | 'CANON_NON_PLAIN_OBJECT'
  | 'CANON_SPARSE_ARRAY'
  | 'CANON_SYMBOL_KEY';

export class CanonicalError extends IcnError {
  override readonly name = 'CanonicalError';
  constructor(
    override readonly code: CanonicalErrorCode,
    readonly path: string,
    why: string,
  ) {
    super(code, `cannot canonicalize ${path}: ${why}`, { path });
  }
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `$.a.b[2]`, `$["key with spaces"]`: the path notation of every canonical error. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return IDENT.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/** True when `s` has an unpaired UTF-16 surrogate (not representable in UTF-8). */
export function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const n = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (n >= 0xdc00 && n <= 0xdfff) {
        i++;
        continue;
      }
      return true;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

function encodeString(s: string, path: string): string {
  if (hasLoneSurrogate(s)) throw new CanonicalError('CANON_LONE_SURROGATE', path, 'string has a lone UTF-16 surrogate');
  // ECMAScript JSON.stringify on a well-formed string is exactly JCS's string serialization
  // (RFC 8785 §3.2.2.2): short escapes for \b \f \n \r \t " \, \u00xx (lowercase) for other controls.
  return JSON.stringify(s);
}

function encodeNumber(n: number, path: string): string {
  if (Number.isNaN(n)) throw new CanonicalError('CANON_NAN', path, 'NaN is not JSON; encode float bits as a hex string');
  if (!Number.isFinite(n)) throw new CanonicalError('CANON_INFINITY', path, `${n} is not JSON`);
  if (!Number.isInteger(n)) throw new CanonicalError('CANON_NON_INTEGER', path, `${n} is not an integer; LC values are integers or fixed-point`);
  if (!Number.isSafeInteger(n)) throw new CanonicalError('CANON_UNSAFE_INTEGER', path, `${n} is beyond ±(2^53-1); encode it as a decimal string (enc.i64/enc.u64)`);
  return Object.is(n, -0) ? '0' : String(n);
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function encodeValue(v: unknown, path: string, stack: Set<object>, out: string[]): void {
  switch (typeof v) {
    case 'string':
      out.push(encodeString(v, path));
      return;
    case 'number':
      out.push(encodeNumber(v, path));
      return;
    case 'boolean':
      out.push(v ? 'true' : 'false');
      return;
    case 'undefined':
      throw new CanonicalError('CANON_UNDEFINED', path, 'undefined is not JSON (omit the key or use null)');
    case 'function':
      throw new CanonicalError('CANON_FUNCTION', path, 'a function is not JSON');
    case 'symbol':
      throw new CanonicalError('CANON_SYMBOL', path, 'a symbol is not JSON');
    case 'bigint':
      throw new CanonicalError('CANON_BIGINT', path, 'a bigint has no JSON form; encode it with enc.i64/enc.u64 as a decimal string');
    case 'object':
      break;
  }
  if (v === null) {
    out.push('null');
    return;
  }
  const obj = v as object;
  if (stack.has(obj)) throw new CanonicalError('CANON_CYCLE', path, 'value refers to itself (cycle)');
  stack.add(obj);
  if (Array.isArray(obj)) {
    out.push('[');
    for (let i = 0; i < obj.length; i++) {
      if (!(i in obj)) throw new CanonicalError('CANON_SPARSE_ARRAY', childPath(path, i), 'array has a hole');
      if (i > 0) out.push(',');
      encodeValue(obj[i], childPath(path, i), stack, out);
    }
    out.push(']');
  } else {
    if (!isPlainObject(obj)) {
      const kind = (obj as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
      throw new CanonicalError('CANON_NON_PLAIN_OBJECT', path, `a ${kind} is not a plain object (bytes: enc.bytes; maps: sorted entries)`);
    }
    if (Object.getOwnPropertySymbols(obj).length > 0) throw new CanonicalError('CANON_SYMBOL_KEY', path, 'object has symbol keys');
    // Default sort compares UTF-16 code units: exactly RFC 8785 §3.2.3 (never localeCompare).
    const keys = Object.keys(obj).sort();
    out.push('{');
    keys.forEach((k, i) => {
      const p = childPath(path, k);
      if (i > 0) out.push(',');
      if (hasLoneSurrogate(k)) throw new CanonicalError('CANON_LONE_SURROGATE', p, 'key has a lone UTF-16 surrogate');
      out.push(JSON.stringify(k), ':');
      encodeValue((obj as Record<string, unknown>)[k], p, stack, out);
    });
    out.push('}');
  }
  stack.delete(obj);
}

/** The canonical JSON text of `value` (JCS, strict). Throws CanonicalError. */
export function canonicalString(value: unknown): string {
  const out: string[] = [];
  encodeValue(value, '$', new Set(), out);
  return out.join('');
}

const utf8 = new TextEncoder();

/** The canonical bytes of `value`: UTF-8 of canonicalString. Throws CanonicalError. */
export function canonicalize(value: unknown): Uint8Array {
  return utf8.encode(canonicalString(value));
}
