/**
 * Bit-exact calls across the JS boundary. A float crossing wasm → JS → wasm may lose its NaN bits
 * (a signaling NaN is quieted; see wasm-determinism.md), and v128 cannot cross at all. So every
 * call goes through a tiny generated "shim" module that imports the target function (a direct
 * wasm-to-wasm call, no conversion) and exposes it with integers only: f32 ↔ i32 bits,
 * f64 ↔ i64 bits, v128 ↔ two i64 halves (low, high). References pass through unchanged.
 */
import type { FuncSig } from './exports.js';
import type { RawValue, ValType } from './values.js';

const TYPE_BYTE: Record<ValType, number> = {
  i32: 0x7f,
  i64: 0x7e,
  f32: 0x7d,
  f64: 0x7c,
  v128: 0x7b,
  funcref: 0x70,
  externref: 0x6f,
};

/** The integer-only types a value of `t` crosses JS as. */
export function flatTypes(t: ValType): ValType[] {
  switch (t) {
    case 'f32':
      return ['i32'];
    case 'f64':
      return ['i64'];
    case 'v128':
      return ['i64', 'i64'];
    default:
      return [t];
  }
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function funcType(params: ValType[], results: ValType[]): number[] {
  return [
    0x60,
    ...vec(params.map((t) => [TYPE_BYTE[t]])),
    ...vec(results.map((t) => [TYPE_BYTE[t]])),
  ];
}

function str(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
}

/** Module bytes: imports `t.f` with `sig`, exports `call` taking and returning flat integer forms. */
export function buildShim(sig: FuncSig): Uint8Array {
  const flatParams = sig.params.flatMap(flatTypes);
  const flatResults = sig.results.flatMap(flatTypes);
  const body: number[] = [];
  let p = 0;
  for (const t of sig.params) {
    if (t === 'v128') {
      body.push(0x20, ...uleb(p), 0xfd, ...uleb(18)); // local.get lo; i64x2.splat
      body.push(0x20, ...uleb(p + 1), 0xfd, ...uleb(30), 1); // local.get hi; i64x2.replace_lane 1
      p += 2;
      continue;
    }
    body.push(0x20, ...uleb(p));
    if (t === 'f32') body.push(0xbe); // f32.reinterpret_i32
    if (t === 'f64') body.push(0xbf); // f64.reinterpret_i64
    p += 1;
  }
  body.push(0x10, 0); // call the import
  const base = flatParams.length; // result locals follow the params
  for (let i = sig.results.length - 1; i >= 0; i--) body.push(0x21, ...uleb(base + i));
  sig.results.forEach((t, i) => {
    const l = uleb(base + i);
    if (t === 'v128') {
      body.push(0x20, ...l, 0xfd, ...uleb(29), 0); // i64x2.extract_lane 0
      body.push(0x20, ...l, 0xfd, ...uleb(29), 1);
      return;
    }
    body.push(0x20, ...l);
    if (t === 'f32') body.push(0xbc); // i32.reinterpret_f32
    if (t === 'f64') body.push(0xbd); // i64.reinterpret_f64
  });
  body.push(0x0b);
  const locals = vec(sig.results.map((t) => [1, TYPE_BYTE[t]]));
  const fn = [...locals, ...body];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec([funcType(sig.params, sig.results), funcType(flatParams, flatResults)])),
    ...section(2, vec([[...str('t'), ...str('f'), 0x00, 0]])),
    ...section(3, vec([[1]])),
    ...section(7, vec([[...str('call'), 0x00, 1]])),
    ...section(10, vec([[...uleb(fn.length), ...fn]])),
  ];
  return new Uint8Array(bytes);
}

/** JS-side flat form of an argument (what the shim's `call` takes). */
export type FlatJs = number | bigint | null | { ext: string } | 'func';

export function flattenArg(v: RawValue): FlatJs[] {
  switch (v.type) {
    case 'i32':
    case 'f32':
      return [Number(BigInt.asIntN(32, v.bits))];
    case 'i64':
    case 'f64':
      return [BigInt.asIntN(64, v.bits)];
    case 'v128':
      return [BigInt.asIntN(64, v.bits & 0xffffffffffffffffn), BigInt.asIntN(64, v.bits >> 64n)];
    case 'funcref':
      return [null];
    case 'externref':
      return [v.ref === null ? null : { ext: v.ref.toString() }];
  }
}

/** Rebuild typed values from the shim's flat results. */
export function unflattenResults(types: ValType[], flat: FlatJs[]): RawValue[] {
  const out: RawValue[] = [];
  let i = 0;
  const next = (): FlatJs => {
    if (i >= flat.length) throw new Error(`shim returned ${flat.length} values, expected more`);
    return flat[i++]!;
  };
  const u32 = (x: FlatJs): bigint => BigInt((x as number) >>> 0);
  const u64 = (x: FlatJs): bigint => BigInt.asUintN(64, x as bigint);
  for (const t of types) {
    if (t === 'i32' || t === 'f32') out.push({ type: t, bits: u32(next()) });
    else if (t === 'i64' || t === 'f64') out.push({ type: t, bits: u64(next()) });
    else if (t === 'v128') {
      const lo = u64(next());
      const hi = u64(next());
      out.push({ type: t, bits: (hi << 64n) | lo });
    } else if (t === 'funcref') out.push({ type: t, ref: next() === null ? null : 'func' });
    else {
      const x = next();
      out.push({ type: t, ref: x === null ? null : BigInt((x as { ext: string }).ext) });
    }
  }
  if (i !== flat.length) throw new Error(`shim returned ${flat.length} values, expected ${i}`);
  return out;
}
