/**
 * CCL runtime values: `Int(i64) | String | Bool | Did | List | Set | Map<String,_> | None`.
 *
 * Ints are bigint and every operation on them is checked (i64 range). Sets hold unique values in
 * canonical order (UTF-8 byte order of each element's canonical JSON); Maps hold unique String keys
 * in RFC 8785 key order (UTF-16 code units), so iteration, printing and hashing never depend on
 * insertion order (ICN follows hash-table order). Collections carry their size in value nodes so a
 * contract cannot build an exponentially large value from shared parts within its fuel.
 *
 * JSON form (ICN's externally tagged serde form): `{"Int":"5"}` (we write i64 as a decimal string;
 * on input a safe JSON integer is accepted too), `{"String":"x"}`, `{"Bool":true}`,
 * `{"Did":"did:icn:z…"}`, `{"List":[…]}`, `{"Set":[…]}`, `{"Map":{"k":…}}`, `"None"`.
 */
import { canonicalString, hasLoneSurrogate, type CanonicalValue } from '../canonical/index.js';
import { Did } from '../identity/index.js';
import { I64_MAX, I64_MIN } from '../int-limits.js';
import { CclError } from './errors.js';

export { I64_MAX, I64_MIN };
/** Longest String value, in UTF-16 code units (our limit; ICN has none). */
export const MAX_STRING_UNITS = 65_536;
/** Most value nodes in one value (collections count every nested node; ours; ICN has none). */
export const MAX_VALUE_NODES = 100_000;

export type Value =
  | { readonly t: 'Int'; readonly v: bigint }
  | { readonly t: 'String'; readonly v: string }
  | { readonly t: 'Bool'; readonly v: boolean }
  | { readonly t: 'Did'; readonly v: string }
  | { readonly t: 'List'; readonly v: readonly Value[]; readonly n: number }
  | { readonly t: 'Set'; readonly v: readonly Value[]; readonly n: number }
  | { readonly t: 'Map'; readonly v: readonly (readonly [string, Value])[]; readonly n: number }
  | { readonly t: 'None' };

export type ValueType = Value['t'];

export const NONE: Value = Object.freeze({ t: 'None' });
export const TRUE: Value = Object.freeze({ t: 'Bool', v: true });
export const FALSE: Value = Object.freeze({ t: 'Bool', v: false });

export function int(v: bigint, path: string | null = null): Value {
  if (v < I64_MIN || v > I64_MAX)
    throw new CclError(
      'CCL_OVERFLOW',
      `i64 overflow: ${v} is outside [-2^63, 2^63-1]${path ? ` at ${path}` : ''}`,
      { path },
    );
  return { t: 'Int', v };
}

export function str(v: string, path: string | null = null): Value {
  if (v.length > MAX_STRING_UNITS)
    throw new CclError(
      'CCL_VALUE_TOO_LARGE',
      `a String may hold at most ${MAX_STRING_UNITS} UTF-16 units, got ${v.length}${path ? ` at ${path}` : ''}`,
      { path },
    );
  if (hasLoneSurrogate(v))
    throw new CclError(
      'CCL_TYPE',
      `a String must be valid Unicode (lone surrogate)${path ? ` at ${path}` : ''}`,
      { path },
    );
  return { t: 'String', v };
}

export function bool(v: boolean): Value {
  return v ? TRUE : FALSE;
}

// Parsing a DID decompresses a curve point (~0.5 ms); contracts repeat the same few DIDs, so
// remember the canonical spelling of recently valid ones (a pure function: safe to memoize).
const didMemo = new Map<string, string>();
const DID_MEMO_MAX = 4096;

/** A Did value; the text is parsed and kept in canonical spelling. */
export function did(text: string, path: string | null = null): Value {
  const known = didMemo.get(text);
  if (known !== undefined) return { t: 'Did', v: known };
  let canonical: string;
  try {
    canonical = Did.parse(text).toString();
  } catch (e) {
    throw new CclError(
      'CCL_TYPE',
      `not a did:icn: identifier${path ? ` at ${path}` : ''}: ${(e as Error).message}`,
      { path },
    );
  }
  if (didMemo.size >= DID_MEMO_MAX) didMemo.clear();
  didMemo.set(text, canonical);
  return { t: 'Did', v: canonical };
}

export function nodes(v: Value): number {
  return v.t === 'List' || v.t === 'Set' || v.t === 'Map' ? v.n : 1;
}

function sized(items: readonly Value[], path: string | null): number {
  let n = 1;
  for (const x of items) n += nodes(x);
  if (n > MAX_VALUE_NODES)
    throw new CclError(
      'CCL_VALUE_TOO_LARGE',
      `a value may hold at most ${MAX_VALUE_NODES} nodes, got ${n}${path ? ` at ${path}` : ''}`,
      { path },
    );
  return n;
}

export function list(items: readonly Value[], path: string | null = null): Value {
  return { t: 'List', v: items, n: sized(items, path) };
}

/** A Set: duplicates dropped, elements in canonical order. */
export function set(items: readonly Value[], path: string | null = null): Value {
  const n = sized(items, path);
  if (items.length < 2) return { t: 'Set', v: items, n };
  const keyed = items.map((x) => [sortKey(x), x] as const);
  keyed.sort((a, b) => compareCodePoints(a[0], b[0]));
  const out: Value[] = [];
  let prev: string | undefined;
  for (const [k, x] of keyed) {
    if (k !== prev) out.push(x);
    prev = k;
  }
  return out.length === items.length
    ? { t: 'Set', v: out, n }
    : { t: 'Set', v: out, n: sized(out, path) };
}

/** A Map: for duplicate keys the last entry wins; entries sorted by key (UTF-16 code units, as RFC 8785). */
export function map(
  entries: readonly (readonly [string, Value])[],
  path: string | null = null,
): Value {
  const m = new Map<string, Value>();
  for (const [k, x] of entries) {
    str(k, path);
    m.set(k, x);
  }
  const sorted = [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return {
    t: 'Map',
    v: sorted,
    n: sized(
      sorted.map((e) => e[1]),
      path,
    ),
  };
}

/** Compare strings by Unicode code point (= the UTF-8 byte order of their encodings). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (0xd800..0xdfff) encodes a code point above 0xffff: it sorts after 0xe000..0xffff.
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx !== sy) return sx ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** The canonical JSON text of a value: the sort key of Set elements and the basis of equality. */
export function sortKey(v: Value): string {
  return canonicalString(valueToJson(v));
}

export function valueEquals(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a.t !== b.t) return false;
  switch (a.t) {
    case 'Int':
    case 'String':
    case 'Bool':
    case 'Did':
      return a.v === (b as typeof a).v;
    case 'None':
      return true;
    case 'List':
    case 'Set': {
      const bv = (b as typeof a).v;
      return a.v.length === bv.length && a.v.every((x, i) => valueEquals(x, bv[i]!));
    }
    case 'Map': {
      const bv = (b as typeof a).v;
      return (
        a.v.length === bv.length &&
        a.v.every(([k, x], i) => k === bv[i]![0] && valueEquals(x, bv[i]![1]))
      );
    }
  }
}

/** ICN truthiness: Int≠0, non-empty String/List/Set/Map, Bool as is, Did always, None never. */
export function truthy(v: Value): boolean {
  switch (v.t) {
    case 'Int':
      return v.v !== 0n;
    case 'String':
      return v.v.length > 0;
    case 'Bool':
      return v.v;
    case 'Did':
      return true;
    case 'List':
    case 'Set':
    case 'Map':
      return v.v.length > 0;
    case 'None':
      return false;
  }
}

/** The canonical JSON form (ICN's tagged form, i64 as a decimal string). */
export function valueToJson(v: Value): CanonicalValue {
  switch (v.t) {
    case 'Int':
      return { Int: v.v.toString() };
    case 'String':
      return { String: v.v };
    case 'Bool':
      return { Bool: v.v };
    case 'Did':
      return { Did: v.v };
    case 'List':
      return { List: v.v.map(valueToJson) };
    case 'Set':
      return { Set: v.v.map(valueToJson) };
    case 'Map': {
      const o: Record<string, CanonicalValue> = Object.create(null);
      for (const [k, x] of v.v) o[k] = valueToJson(x);
      return { Map: o };
    }
    case 'None':
      return 'None';
  }
}

const DECIMAL = /^(0|-?[1-9][0-9]*)$/;
const MAX_JSON_DEPTH = 64;

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** One-key object `{Tag: payload}` → [tag, payload], or a CCL_PARSE error at `path`. */
export function tagged(x: unknown, path: string, what: string): [string, unknown] {
  if (!isObject(x))
    throw new CclError(
      'CCL_PARSE',
      `${path}: ${what} must be an object with exactly one tag key, got ${describeJson(x)}`,
      { path },
    );
  const keys = Object.keys(x);
  if (keys.length !== 1)
    throw new CclError(
      'CCL_PARSE',
      `${path}: ${what} must have exactly one tag key, got ${keys.length === 0 ? 'none' : keys.map((k) => JSON.stringify(k)).join(', ')}`,
      { path },
    );
  return [keys[0]!, x[keys[0]!]];
}

export function describeJson(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'object') return 'an object';
  if (typeof x === 'string')
    return `the string ${JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x)}`;
  return `${typeof x} ${String(x)}`;
}

function parseErr(path: string, why: string): CclError {
  return new CclError('CCL_PARSE', `${path}: ${why}`, { path });
}

function wrap<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof CclError && e.code !== 'CCL_PARSE') throw parseErr(path, e.message);
    throw e;
  }
}

/** Parse a value from its JSON form. Errors are CCL_PARSE with the path of the offending node. */
export function valueFromJson(x: unknown, path = '$', depth = 0): Value {
  if (depth > MAX_JSON_DEPTH) throw parseErr(path, `value nested deeper than ${MAX_JSON_DEPTH}`);
  if (x === 'None') return NONE;
  const [tag, p] = tagged(x, path, 'a value');
  const at = `${path}.${tag}`;
  switch (tag) {
    case 'Int': {
      if (typeof p === 'number') {
        if (!Number.isSafeInteger(p))
          throw parseErr(
            at,
            `${p} is not a safe integer (write larger i64 values as a decimal string)`,
          );
        return int(BigInt(p));
      }
      if (typeof p === 'string' && DECIMAL.test(p)) {
        const b = BigInt(p);
        if (b < I64_MIN || b > I64_MAX) throw parseErr(at, `${p} is outside the i64 range`);
        return int(b);
      }
      throw parseErr(
        at,
        `an Int is an integer or a canonical decimal string, got ${describeJson(p)}`,
      );
    }
    case 'String':
      if (typeof p !== 'string') throw parseErr(at, `expected a string, got ${describeJson(p)}`);
      return wrap(at, () => str(p, at));
    case 'Bool':
      if (typeof p !== 'boolean')
        throw parseErr(at, `expected true or false, got ${describeJson(p)}`);
      return bool(p);
    case 'Did':
      if (typeof p !== 'string')
        throw parseErr(at, `expected a did:icn: string, got ${describeJson(p)}`);
      return wrap(at, () => did(p, at));
    case 'List':
    case 'Set': {
      if (!Array.isArray(p)) throw parseErr(at, `expected an array, got ${describeJson(p)}`);
      for (let i = 0; i < p.length; i++)
        if (!(i in p)) throw parseErr(`${at}[${i}]`, 'array has a hole');
      const items = p.map((e, i) => valueFromJson(e, `${at}[${i}]`, depth + 1));
      return wrap(at, () => (tag === 'List' ? list(items, at) : set(items, at)));
    }
    case 'Map': {
      if (!isObject(p))
        throw parseErr(at, `expected an object of String keys, got ${describeJson(p)}`);
      const entries = Object.keys(p).map(
        (k) => [k, valueFromJson(p[k], `${at}[${JSON.stringify(k)}]`, depth + 1)] as const,
      );
      return wrap(at, () => map(entries, at));
    }
    default:
      throw parseErr(
        path,
        `unknown value tag ${JSON.stringify(tag)} (expected Int, String, Bool, Did, List, Set, Map or "None")`,
      );
  }
}

/** A short human rendering for messages and the CLI (`5`, `"x"`, `[1, 2]`). Never hashed. */
export function showValue(v: Value): string {
  switch (v.t) {
    case 'Int':
      return v.v.toString();
    case 'String':
      return JSON.stringify(v.v);
    case 'Bool':
      return String(v.v);
    case 'Did':
      return v.v;
    case 'None':
      return 'None';
    case 'List':
      return `[${v.v.map(showValue).join(', ')}]`;
    case 'Set':
      return `{${v.v.map(showValue).join(', ')}}`;
    case 'Map':
      return `{${v.v.map(([k, x]) => `${JSON.stringify(k)}: ${showValue(x)}`).join(', ')}}`;
  }
}
