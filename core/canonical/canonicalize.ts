/**
 * The one canonical encoder of the project: RFC 8785 (JCS) semantics, made strict.
 *
 * Why our own and not json-stable-stringify: that package sorts keys the JCS way but writes NaN and
 * Infinity as `null`, drops `undefined`, accepts lone surrogates and non-plain objects, and cannot
 * say *where* a bad value sits. Every one of those silently changes a hash. Here each is a typed
 * error naming the JSON path. The value domain is JSON with integers only: numbers must be safe
 * integers; anything wider (i64, u64, bytes, NaN bits) travels as a string (see encodings.ts).
 *
 * Nor either package beneath a strict type check (issue 19): that takes a checking walk plus theirs,
 * while one walk that checks as it writes (the fast path below) measured faster than
 * safe-stable-stringify alone, and json-stable-stringify is slower still (`npm run bench:canon`,
 * figures in docs/deterministic-core.md).
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
  // Fast path: most strings have no surrogate at all.
  if (!SURROGATE.test(s)) return false;
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
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Where the encoder is, kept as a chain of (parent, key) and rendered only for an error: building
 * the path string at every step used to cost a third of the encoder's time.
 */
interface At {
  readonly parent: At | null;
  readonly key: string | number;
}

function render(at: At | null): string {
  const keys: (string | number)[] = [];
  for (let a = at; a !== null; a = a.parent) keys.push(a.key);
  let path = '$';
  for (let i = keys.length - 1; i >= 0; i--) path = childPath(path, keys[i]!);
  return path;
}

function fail(code: CanonicalErrorCode, at: At | null, why: string): never {
  throw new CanonicalError(code, render(at), why);
}

function encodeNumber(n: number, at: At | null): string {
  if (Number.isSafeInteger(n)) return n === 0 ? '0' : String(n); // -0 is written as 0, as JCS does
  if (Number.isNaN(n)) fail('CANON_NAN', at, 'NaN is not JSON; encode float bits as a hex string');
  if (!Number.isFinite(n)) fail('CANON_INFINITY', at, `${n} is not JSON`);
  if (!Number.isInteger(n))
    fail('CANON_NON_INTEGER', at, `${n} is not an integer; LC values are integers or fixed-point`);
  return fail(
    'CANON_UNSAFE_INTEGER',
    at,
    `${n} is beyond ±(2^53-1); encode it as a decimal string (enc.i64/enc.u64)`,
  );
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

// ECMAScript JSON.stringify on a well-formed string is exactly JCS's string serialization
// (RFC 8785 §3.2.2.2): short escapes for \b \f \n \r \t " \, \u00xx (lowercase) for other controls.
function encodeValue(v: unknown, at: At | null, stack: object[]): string {
  switch (typeof v) {
    case 'string':
      if (hasLoneSurrogate(v))
        fail('CANON_LONE_SURROGATE', at, 'string has a lone UTF-16 surrogate');
      return JSON.stringify(v);
    case 'number':
      return encodeNumber(v, at);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return fail('CANON_UNDEFINED', at, 'undefined is not JSON (omit the key or use null)');
    case 'function':
      return fail('CANON_FUNCTION', at, 'a function is not JSON');
    case 'symbol':
      return fail('CANON_SYMBOL', at, 'a symbol is not JSON');
    case 'bigint':
      return fail(
        'CANON_BIGINT',
        at,
        'a bigint has no JSON form; encode it with enc.i64/enc.u64 as a decimal string',
      );
    case 'object':
      break;
  }
  if (v === null) return 'null';
  const obj = v as object;
  // The open containers, outermost first; values are shallow, so a linear scan beats a Set.
  if (stack.includes(obj)) fail('CANON_CYCLE', at, 'value refers to itself (cycle)');
  stack.push(obj);
  let out: string;
  if (Array.isArray(obj)) {
    out = '[';
    for (let i = 0; i < obj.length; i++) {
      if (!(i in obj)) fail('CANON_SPARSE_ARRAY', { parent: at, key: i }, 'array has a hole');
      if (i > 0) out += ',';
      out += encodeValue(obj[i], { parent: at, key: i }, stack);
    }
    out += ']';
  } else {
    if (!isPlainObject(obj)) {
      const kind = (obj as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
      fail(
        'CANON_NON_PLAIN_OBJECT',
        at,
        `a ${kind} is not a plain object (bytes: enc.bytes; maps: sorted entries)`,
      );
    }
    if (Object.getOwnPropertySymbols(obj).length > 0)
      fail('CANON_SYMBOL_KEY', at, 'object has symbol keys');
    // Default sort compares UTF-16 code units: exactly RFC 8785 §3.2.3 (never localeCompare).
    const keys = Object.keys(obj).sort();
    out = '{';
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const child: At = { parent: at, key: k };
      if (hasLoneSurrogate(k))
        fail('CANON_LONE_SURROGATE', child, 'key has a lone UTF-16 surrogate');
      if (i > 0) out += ',';
      out +=
        JSON.stringify(k) + ':' + encodeValue((obj as Record<string, unknown>)[k], child, stack);
    }
    out += '}';
  }
  stack.pop();
  return out;
}

// The fast path. It keeps no path and no stack of open containers: on anything that is not plainly
// canonical it throws BAIL and the careful encoder above runs again from the top, so every error
// (code, path, message) is the careful encoder's own, and every accepted value gives the same bytes
// (canonicalize.test.ts compares it with carefulCanonicalString). A cycle shows as depth beyond
// FAST_DEPTH, where the careful encoder takes over and names it.
const BAIL: unique symbol = Symbol('canonical fast path bails out');
const FAST_DEPTH = 200;
// A string that needs no escape and has no surrogate is written as is between quotes.
const NEEDS_CARE = /[\u0000-\u001f"\\\ud800-\udfff]/;

function fastString(s: string): string {
  if (!NEEDS_CARE.test(s)) return '"' + s + '"';
  if (hasLoneSurrogate(s)) throw BAIL;
  return JSON.stringify(s);
}

// Keys repeat across objects (format, hash, signature, ...): their encodings, with the separators
// around them, are remembered. A cache of a pure function, never iterated, bounded by clearing when
// full: it cannot change any output.
interface EncodedKey {
  /** `"k":`, the first member of an object. */
  readonly first: string;
  /** `,"k":`, every later member. */
  readonly next: string;
}
const encodedKeys = new Map<string, EncodedKey>();
const ENCODED_KEYS_MAX = 8192;

function fastKey(k: string): EncodedKey {
  let e = encodedKeys.get(k);
  if (e === undefined) {
    const q = fastString(k);
    e = { first: q + ':', next: ',' + q + ':' };
    if (encodedKeys.size >= ENCODED_KEYS_MAX) encodedKeys.clear();
    encodedKeys.set(k, e);
  }
  return e;
}

/** Sorted in place by UTF-16 code units (`<` on strings, as the default sort): insertion sort for the short lists objects have. */
function sortKeys(keys: string[]): void {
  const n = keys.length;
  if (n > 24) {
    keys.sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
}

function fastValue(v: unknown, depth: number): string {
  switch (typeof v) {
    case 'string':
      return fastString(v);
    case 'number':
      if (!Number.isSafeInteger(v)) throw BAIL;
      return v === 0 ? '0' : '' + v;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      if (v === null) return 'null';
      if (depth >= FAST_DEPTH) throw BAIL;
      return Array.isArray(v) ? fastArray(v, depth + 1) : fastObject(v, depth + 1);
    default:
      throw BAIL;
  }
}

function fastArray(a: readonly unknown[], depth: number): string {
  const n = a.length;
  if (n === 0) return '[]';
  if (!(0 in a)) throw BAIL;
  let out = '[' + fastValue(a[0], depth);
  for (let i = 1; i < n; i++) {
    if (!(i in a)) throw BAIL;
    out += ',' + fastValue(a[i], depth);
  }
  return out + ']';
}

function fastObject(o: object, depth: number): string {
  const proto = Object.getPrototypeOf(o);
  if (proto !== Object.prototype && proto !== null) throw BAIL;
  const keys = Object.keys(o);
  if (Object.getOwnPropertySymbols(o).length !== 0) throw BAIL;
  sortKeys(keys);
  const n = keys.length;
  if (n === 0) return '{}';
  let k = keys[0]!;
  let out = '{' + fastKey(k).first + fastValue((o as Record<string, unknown>)[k], depth);
  for (let i = 1; i < n; i++) {
    k = keys[i]!;
    out += fastKey(k).next + fastValue((o as Record<string, unknown>)[k], depth);
  }
  return out + '}';
}

/**
 * The careful encoder alone (the encoder as it was before the fast path, unchanged): the reference
 * the fast path must equal byte for byte and error for error (canonicalize.test.ts, bench:canon).
 */
export function carefulCanonicalString(value: unknown): string {
  return encodeValue(value, null, []);
}

/** The canonical JSON text of `value` (JCS, strict). Throws CanonicalError. */
export function canonicalString(value: unknown): string {
  try {
    return fastValue(value, 0);
  } catch (e) {
    if (e !== BAIL) throw e;
  }
  return encodeValue(value, null, []);
}

const utf8 = new TextEncoder();

/** The canonical bytes of `value`: UTF-8 of canonicalString. Throws CanonicalError. */
export function canonicalize(value: unknown): Uint8Array {
  return utf8.encode(canonicalString(value));
}
