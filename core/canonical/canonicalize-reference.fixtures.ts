/**
 * The canonical encoder as it was before issue 19 (commit e3064e2), kept verbatim as the reference
 * that the faster encoder must match byte for byte (canonicalize.test.ts) and as the "before" row of
 * bench:canon. Not built into dist (a *.fixtures.ts file).
 */
import { CanonicalError, childPath, type CanonicalErrorCode } from './canonicalize.js';

/** True when `s` has an unpaired UTF-16 surrogate (not representable in UTF-8). */
function hasLoneSurrogate(s: string): boolean {
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
  if (!Number.isInteger(n)) fail('CANON_NON_INTEGER', at, `${n} is not an integer; LC values are integers or fixed-point`);
  return fail('CANON_UNSAFE_INTEGER', at, `${n} is beyond ±(2^53-1); encode it as a decimal string (enc.i64/enc.u64)`);
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
      if (hasLoneSurrogate(v)) fail('CANON_LONE_SURROGATE', at, 'string has a lone UTF-16 surrogate');
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
      return fail('CANON_BIGINT', at, 'a bigint has no JSON form; encode it with enc.i64/enc.u64 as a decimal string');
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
      fail('CANON_NON_PLAIN_OBJECT', at, `a ${kind} is not a plain object (bytes: enc.bytes; maps: sorted entries)`);
    }
    if (Object.getOwnPropertySymbols(obj).length > 0) fail('CANON_SYMBOL_KEY', at, 'object has symbol keys');
    // Default sort compares UTF-16 code units: exactly RFC 8785 §3.2.3 (never localeCompare).
    const keys = Object.keys(obj).sort();
    out = '{';
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const child: At = { parent: at, key: k };
      if (hasLoneSurrogate(k)) fail('CANON_LONE_SURROGATE', child, 'key has a lone UTF-16 surrogate');
      if (i > 0) out += ',';
      out += JSON.stringify(k) + ':' + encodeValue((obj as Record<string, unknown>)[k], child, stack);
    }
    out += '}';
  }
  stack.pop();
  return out;
}

/** The canonical JSON text of `value` by the pre-issue-19 encoder. Throws CanonicalError. */
export function referenceCanonicalString(value: unknown): string {
  return encodeValue(value, null, []);
}

