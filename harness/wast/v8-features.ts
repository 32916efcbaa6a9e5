/**
 * Spec features that some Node versions' V8 accept only behind a flag (or not at all). Each has a
 * probe module (does this process accept it?), a detector (does this module use it?) and, where a
 * flag exists and is safe, the node flag that turns it on: the CLI re-executes itself with it.
 * A module that fails to compile *because* it needs a feature this V8 lacks is a skip ("unsupported
 * by this Node's V8"); any other compile failure stays a failure.
 */
import { decodeModule } from '../../core/wasm/binary/decode.js';
import { opInfo } from '../../core/wasm/binary/opcodes.js';
import type { Expr, WasmModule } from '../../core/wasm/binary/types.js';

interface WasmApi {
  validate(b: Uint8Array): boolean;
}
const wasmApi = (): WasmApi => (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const HEADER = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0];

export interface V8Feature {
  name: string;
  /** Node flag enabling it where V8 has it behind a flag (Node 20); null = no flag we use. */
  flag: string | null;
  probe: Uint8Array;
  uses(m: WasmModule): boolean;
  /** V8's compile error for a module using it, for modules our (pinned) decoder cannot read. */
  v8Error?: RegExp;
}

function constExprs(m: WasmModule): Expr[] {
  return [
    ...m.globals.map((g) => g.init),
    ...m.elems.flatMap((e) => [...(e.offsetExpr ? [e.offsetExpr] : []), ...(e.exprs ?? [])]),
    ...m.datas.flatMap((d) => (d.offsetExpr ? [d.offsetExpr] : [])),
  ];
}

const ARITH = new Set([0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e]); // i32/i64 add, sub, mul

export const V8_FEATURES: readonly V8Feature[] = [
  {
    name: 'relaxed SIMD',
    flag: '--experimental-wasm-relaxed-simd',
    // (func (param v128) (result v128) local.get 0 local.get 0 i8x16.relaxed_swizzle)
    probe: new Uint8Array([
      ...HEADER,
      1,
      6,
      1,
      0x60,
      1,
      0x7b,
      1,
      0x7b,
      3,
      2,
      1,
      0,
      10,
      11,
      1,
      9,
      0,
      0x20,
      0,
      0x20,
      0,
      0xfd,
      0x80,
      0x02,
      0x0b,
    ]),
    uses: (m) =>
      m.codes.some((c) => c.body.some((ins) => opInfo(ins.op)?.feature === 'relaxed_simd')),
  },
  {
    name: 'extended constant expressions',
    flag: '--experimental-wasm-extended-const',
    // (global i32 (i32.add (i32.const 1) (i32.const 2)))
    probe: new Uint8Array([...HEADER, 6, 9, 1, 0x7f, 0, 0x41, 1, 0x41, 2, 0x6a, 0x0b]),
    uses: (m) => constExprs(m).some((e) => e.some((ins) => ARITH.has(ins.op))),
  },
  {
    name: 'multiple memories',
    flag: null, // Node 20's V8 has no flag for it; Node 22 has it
    probe: new Uint8Array([...HEADER, 5, 5, 2, 0, 0, 0, 0]),
    uses: (m) => m.memories.length + m.imports.filter((i) => i.desc.kind === 'memory').length > 1,
    v8Error: /At most one memory is supported|memory count of \d+ exceeds internal limit of 1/,
  },
  {
    name: 'global.get of a non-imported global in a constant expression',
    flag: null, // Node 20 has it only under --experimental-wasm-gc, which changes far more: not used
    probe: new Uint8Array([...HEADER, 6, 11, 2, 0x7f, 0, 0x41, 1, 0x0b, 0x7f, 0, 0x23, 0, 0x0b]),
    uses: (m) => {
      const imported = m.imports.filter((i) => i.desc.kind === 'global').length;
      return constExprs(m).some((e) =>
        e.some((ins) => ins.op === 0x23 && (ins.idx ?? 0) >= imported),
      );
    },
  },
];

const supported = new Map<string, boolean>();

export function v8Supports(f: V8Feature): boolean {
  let s = supported.get(f.name);
  if (s === undefined) {
    s = wasmApi().validate(f.probe);
    supported.set(f.name, s);
  }
  return s;
}

/** Flags that would enable features this process lacks (only those that have a flag). */
export function flagsForMissingFeatures(): string[] {
  return V8_FEATURES.filter(
    (f) => f.flag !== null && !v8Supports(f) && !process.execArgv.includes(f.flag),
  ).map((f) => f.flag!);
}

/**
 * The features this module uses that this V8 lacks. Decided by our decoder; only for a module the
 * decoder cannot read (outside the pinned feature set) does V8's own compile error decide, and
 * only for a feature whose probe already failed in this process.
 */
export function missingFeaturesOf(bytes: Uint8Array, v8Message: string): string[] {
  let m: WasmModule | undefined;
  try {
    m = decodeModule(bytes);
  } catch {
    m = undefined;
  }
  return V8_FEATURES.filter(
    (f) => !v8Supports(f) && (m ? f.uses(m) : f.v8Error?.test(v8Message) === true),
  ).map((f) => f.name);
}
