/**
 * One WebAssembly semantics for the interpreter: every operator that computes a value (numeric,
 * comparison, conversion) and every memory load and store is defined once here, as a JavaScript
 * expression template over operand names. Both tiers run exactly these expressions:
 *   - the JS tier (jit.ts) writes them into the generated source of each function;
 *   - the run loop (machine.ts) calls one function per operator, compiled once from the same
 *     template (with the float bits ↔ value conversions of rep.ts around it).
 * Operands and results are in the value representation of rep.ts (floats as values, NaN as bits);
 * rare operators call numeric.ts on bits. The names a template may use are SCOPE's, plus `tv`, a
 * temporary of the enclosing function.
 *
 * i64: every operator with an i64 operand or result is a pair template (kind 'pair', 'pairLoad',
 * 'pairStore'): statements over the operands' 32-bit halves (an i64 is two int32 names, low then
 * high; any other operand one name) that write the result's names. The JS tier keeps an i64 as two
 * int32 JS locals, so V8 holds them in registers (BigInt arithmetic allocates per operation); the
 * run loop keeps bigints on its stack and splits/joins them around the same template (generic.ts).
 * A result name may be an operand's name (the JS tier reuses a stack height): a pair template reads
 * every operand before it writes a result (through its temporaries T_I64). An i64 operand may be
 * given as integer literals (the JS tier passes an i64.const's halves so): shift and rotate
 * templates then pick the count's case as they generate. Rare operators (div/rem, float
 * conversions, truncations) join the halves to a bigint and call numeric.ts.
 */
import { OP, opInfo, parseSig } from '../binary/opcodes.js';
import type { ValType } from '../binary/types.js';
import * as N from './numeric.js';
import { Op } from './opcode-names.js';
import { b2d, b2f, d2b, f2b, HI, jn, LO, SB, SD, SI, toBits, toValue } from './rep.js';

/** Expression over operand names a (and b). */
export type Template = (a: string, b: string) => string;

export interface PureOp {
  readonly kind: 'pure';
  readonly key: number;
  readonly name: string;
  readonly params: readonly ValType[];
  readonly result: ValType;
  /** May throw a WasmTrap (division, trapping truncation). */
  readonly trap: boolean;
  readonly expr: Template;
}
export interface LoadOp {
  readonly kind: 'load';
  readonly key: number;
  readonly name: string;
  readonly width: number;
  readonly result: ValType;
  /** Expression of the loaded value at address ea, over MB (the memory's bytes) and MV (its DataView). */
  readonly expr: (ea: string) => string;
}
export interface StoreOp {
  readonly kind: 'store';
  readonly key: number;
  readonly name: string;
  readonly width: number;
  readonly value: ValType;
  /** Statement storing value v at address ea, over MB and MV. */
  readonly stmt: (ea: string, v: string) => string;
}
/** Statements over operand names (an i64 is [low, high], anything else [v]) writing the result names r. */
export type PairTemplate = (
  r: readonly string[],
  a: readonly string[],
  b: readonly string[],
) => string;
export interface PairOp {
  readonly kind: 'pair';
  readonly key: number;
  readonly name: string;
  readonly params: readonly ValType[];
  readonly result: ValType;
  readonly trap: boolean;
  readonly stmt: PairTemplate;
}
export interface PairLoadOp {
  readonly kind: 'pairLoad';
  readonly key: number;
  readonly name: string;
  readonly width: number;
  readonly result: 'i64';
  /** Statements loading the value at ea into r = [low, high], over MB and MV. */
  readonly stmt: (ea: string, r: readonly string[]) => string;
}
export interface PairStoreOp {
  readonly kind: 'pairStore';
  readonly key: number;
  readonly name: string;
  readonly width: number;
  readonly value: 'i64';
  /** Statement storing v = [low, high] at ea, over MB and MV. */
  readonly stmt: (ea: string, v: readonly string[]) => string;
}
export type OperatorDef = PureOp | LoadOp | StoreOp | PairOp | PairLoadOp | PairStoreOp;

/** The int32 temporaries pair templates use (declared by the enclosing function). */
export const T_I64 = ['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7'] as const;

/** Generated code: statements that split bigint expression x into the names r = [low, high]. */
export const splitTo = (x: string, r: readonly string[]): string =>
  `SB[0] = ${x}; ${r[0]} = SI[${LO}]; ${r[1]} = SI[${HI}];`;
/** Generated code: an expression joining the names r = [low, high] into a bigint. */
export const joinOf = (r: readonly string[]): string =>
  `(SI[${LO}] = ${r[0]}, SI[${HI}] = ${r[1]}, SB[0])`;

const numericFns = (Object.entries(N) as [string, unknown][]).filter(
  (e) => typeof e[1] === 'function',
);
/** Names a template may refer to, with their values (the JS tier declares them once per instance). */
export const SCOPE: ReadonlyMap<string, unknown> = new Map<string, unknown>([
  ['NC', N.nanConfig],
  ['nearest', N.nearest],
  ['d2b', d2b],
  ['b2d', b2d],
  ['f2b', f2b],
  ['b2f', b2f],
  ['SD', SD],
  ['SB', SB],
  ['SI', SI],
  ['jn', jn],
  ...numericFns.map(([k, f]): [string, unknown] => [`N_${k}`, f]),
]);

const table = new Map<number, OperatorDef>();
/** The definition of an operator key, or undefined for control, variable, call and bulk operators. */
export function operator(key: number): OperatorDef | undefined {
  return table.get(key);
}
export function allOperators(): OperatorDef[] {
  return [...table.values()];
}

function sig(key: number): { name: string; params: ValType[]; result: ValType; trap: boolean } {
  const info = opInfo(key)!;
  const s = parseSig(info.sig!);
  return { name: info.name, params: s.params, result: s.results[0]!, trap: info.trap };
}
function op(key: number, expr: Template): void {
  table.set(key, { kind: 'pure', key, ...sig(key), expr });
}
/** An operator computed by a numeric.ts function on bits (floats converted in and out). */
function bitsOp(key: number, fn: keyof typeof N): void {
  const s = sig(key);
  op(key, (a, b) => {
    const args =
      s.params.length === 2
        ? `${toBits(s.params[0]!, a)}, ${toBits(s.params[1]!, b)}`
        : toBits(s.params[0]!, a);
    return toValue(s.result, `N_${fn}(${args})`);
  });
}
function load(key: number, width: number, expr: (ea: string) => string): void {
  const s = parseSig(opInfo(key)!.sig!);
  table.set(key, {
    kind: 'load',
    key,
    name: opInfo(key)!.name,
    width,
    result: s.results[0]!,
    expr,
  });
}
function store(key: number, width: number, stmt: (ea: string, v: string) => string): void {
  const s = parseSig(opInfo(key)!.sig!);
  table.set(key, { kind: 'store', key, name: opInfo(key)!.name, width, value: s.params[1]!, stmt });
}

function pair(key: number, stmt: PairTemplate): void {
  table.set(key, { kind: 'pair', key, ...sig(key), stmt });
}
function pairLoad(key: number, width: number, stmt: PairLoadOp['stmt']): void {
  table.set(key, { kind: 'pairLoad', key, name: opInfo(key)!.name, width, result: 'i64', stmt });
}
function pairStore(key: number, width: number, stmt: PairStoreOp['stmt']): void {
  table.set(key, { kind: 'pairStore', key, name: opInfo(key)!.name, width, value: 'i64', stmt });
}
/** A rare operator with an i64 operand or result: numeric.ts on bits and bigints, split back. */
function bigOp(key: number, fn: keyof typeof N): void {
  const s = sig(key);
  pair(key, (r, a, b) => {
    const arg = (t: ValType, x: readonly string[]): string =>
      t === 'i64' ? `jn(${x[0]}, ${x[1]})` : toBits(t, x[0]!);
    const args = [arg(s.params[0]!, a), ...(s.params.length === 2 ? [arg(s.params[1]!, b)] : [])];
    const call = `N_${fn}(${args.join(', ')})`;
    return s.result === 'i64' ? splitTo(call, r) : `${r[0]} = ${toValue(s.result, call)};`;
  });
}

// ---- memory ----
load(Op.I32Load, 4, (e) => `MV.getInt32(${e}, true)`);
pairLoad(
  Op.I64Load,
  8,
  (e, r) => `${r[0]} = MV.getInt32(${e}, true); ${r[1]} = MV.getInt32(${e} + 4, true);`,
);
load(
  Op.F32Load,
  4,
  (e) => `(tv = MV.getFloat32(${e}, true)) === tv ? tv : BigInt(MV.getInt32(${e}, true))`,
);
load(
  Op.F64Load,
  8,
  (e) => `(tv = MV.getFloat64(${e}, true)) === tv ? tv : MV.getBigInt64(${e}, true)`,
);
load(Op.I32Load8S, 1, (e) => `(MB[${e}] << 24) >> 24`);
load(Op.I32Load8U, 1, (e) => `MB[${e}]`);
load(Op.I32Load16S, 2, (e) => `MV.getInt16(${e}, true)`);
load(Op.I32Load16U, 2, (e) => `MV.getUint16(${e}, true)`);
// a narrow load: the low half, then the high half from its sign (or 0)
const signed = (lo: string) => (e: string, r: readonly string[]) =>
  `${r[0]} = ${lo.replace('E', e)}; ${r[1]} = ${r[0]} >> 31;`;
const unsigned = (lo: string) => (e: string, r: readonly string[]) =>
  `${r[0]} = ${lo.replace('E', e)}; ${r[1]} = 0;`;
pairLoad(Op.I64Load8S, 1, signed('(MB[E] << 24) >> 24'));
pairLoad(Op.I64Load8U, 1, unsigned('MB[E]'));
pairLoad(Op.I64Load16S, 2, signed('MV.getInt16(E, true)'));
pairLoad(Op.I64Load16U, 2, unsigned('MV.getUint16(E, true)'));
pairLoad(Op.I64Load32S, 4, signed('MV.getInt32(E, true)'));
pairLoad(Op.I64Load32U, 4, unsigned('MV.getInt32(E, true)'));
store(Op.I32Store, 4, (e, v) => `MV.setInt32(${e}, ${v}, true)`);
store(
  Op.F32Store,
  4,
  (e, v) =>
    `typeof ${v} === 'number' ? MV.setFloat32(${e}, ${v}, true) : MV.setInt32(${e}, Number(${v}), true)`,
);
pairStore(
  Op.I64Store,
  8,
  (e, v) => `MV.setInt32(${e}, ${v[0]}, true); MV.setInt32(${e} + 4, ${v[1]}, true)`,
);
store(
  Op.F64Store,
  8,
  (e, v) =>
    `typeof ${v} === 'number' ? MV.setFloat64(${e}, ${v}, true) : MV.setBigInt64(${e}, ${v}, true)`,
);
store(Op.I32Store8, 1, (e, v) => `MB[${e}] = ${v}`);
store(Op.I32Store16, 2, (e, v) => `MV.setInt16(${e}, ${v}, true)`);
pairStore(Op.I64Store8, 1, (e, v) => `MB[${e}] = ${v[0]}`);
pairStore(Op.I64Store16, 2, (e, v) => `MV.setInt16(${e}, ${v[0]}, true)`);
pairStore(Op.I64Store32, 4, (e, v) => `MV.setInt32(${e}, ${v[0]}, true)`);

// ---- i32 ----
op(Op.I32Eqz, (a) => `${a} === 0 ? 1 : 0`);
op(Op.I32Eq, (a, b) => `${a} === ${b} ? 1 : 0`);
op(Op.I32Ne, (a, b) => `${a} !== ${b} ? 1 : 0`);
op(Op.I32LtS, (a, b) => `${a} < ${b} ? 1 : 0`);
op(Op.I32LtU, (a, b) => `(${a} >>> 0) < (${b} >>> 0) ? 1 : 0`);
op(Op.I32GtS, (a, b) => `${a} > ${b} ? 1 : 0`);
op(Op.I32GtU, (a, b) => `(${a} >>> 0) > (${b} >>> 0) ? 1 : 0`);
op(Op.I32LeS, (a, b) => `${a} <= ${b} ? 1 : 0`);
op(Op.I32LeU, (a, b) => `(${a} >>> 0) <= (${b} >>> 0) ? 1 : 0`);
op(Op.I32GeS, (a, b) => `${a} >= ${b} ? 1 : 0`);
op(Op.I32GeU, (a, b) => `(${a} >>> 0) >= (${b} >>> 0) ? 1 : 0`);
op(Op.I32Clz, (a) => `Math.clz32(${a})`);
bitsOp(Op.I32Ctz, 'i32Ctz');
bitsOp(Op.I32Popcnt, 'i32Popcnt');
op(Op.I32Add, (a, b) => `(${a} + ${b}) | 0`);
op(Op.I32Sub, (a, b) => `(${a} - ${b}) | 0`);
op(Op.I32Mul, (a, b) => `Math.imul(${a}, ${b})`);
bitsOp(Op.I32DivS, 'i32DivS');
bitsOp(Op.I32DivU, 'i32DivU');
bitsOp(Op.I32RemS, 'i32RemS');
bitsOp(Op.I32RemU, 'i32RemU');
op(Op.I32And, (a, b) => `${a} & ${b}`);
op(Op.I32Or, (a, b) => `${a} | ${b}`);
op(Op.I32Xor, (a, b) => `${a} ^ ${b}`);
op(Op.I32Shl, (a, b) => `${a} << ${b}`);
op(Op.I32ShrS, (a, b) => `${a} >> ${b}`);
op(Op.I32ShrU, (a, b) => `(${a} >>> ${b}) | 0`);
op(Op.I32Rotl, (a, b) => `(${a} << (${b} & 31)) | (${a} >>> ((32 - ${b}) & 31))`);
op(Op.I32Rotr, (a, b) => `(${a} >>> (${b} & 31)) | (${a} << ((32 - ${b}) & 31))`);
op(Op.I32Extend8S, (a) => `(${a} << 24) >> 24`);
op(Op.I32Extend16S, (a) => `(${a} << 16) >> 16`);
pair(Op.I32WrapI64, (r, a) => `${r[0]} = ${a[0]};`);

// ---- i64: pair templates (see the header) ----
// Every template reads its operands into temporaries (t0…) before it writes a result name.
const [t0, t1, t2, t3, t4, t5, t6, t7] = T_I64;
const set = (r: readonly string[], lo: string, hi: string): string =>
  `${r[0]} = ${lo}; ${r[1]} = ${hi};`;
/** An i32 result from a condition. */
const bool =
  (c: string): PairTemplate =>
  (r) =>
    `${r[0]} = ${c} ? 1 : 0;`;
pair(Op.I64ExtendI32S, (r, a) => `${t0} = ${a[0]}; ${set(r, t0, `${t0} >> 31`)}`);
pair(Op.I64ExtendI32U, (r, a) => `${t0} = ${a[0]}; ${set(r, t0, '0')}`);
pair(Op.I64Extend8S, (r, a) => `${t0} = (${a[0]} << 24) >> 24; ${set(r, t0, `${t0} >> 31`)}`);
pair(Op.I64Extend16S, (r, a) => `${t0} = (${a[0]} << 16) >> 16; ${set(r, t0, `${t0} >> 31`)}`);
pair(Op.I64Extend32S, (r, a) => `${t0} = ${a[0]}; ${set(r, t0, `${t0} >> 31`)}`);
pair(Op.I64Eqz, (r, a) => bool(`(${a[0]} | ${a[1]}) === 0`)(r, a, []));
pair(Op.I64Eq, (r, a, b) => bool(`${a[0]} === ${b[0]} && ${a[1]} === ${b[1]}`)(r, a, b));
pair(Op.I64Ne, (r, a, b) => bool(`(${a[0]} !== ${b[0]} || ${a[1]} !== ${b[1]})`)(r, a, b));
/** Compare: the high halves (signed or unsigned), then on equal high halves the low halves unsigned. */
function compare(rel: '<' | '>' | '<=' | '>=', signed: boolean): PairTemplate {
  const strict = rel === '<=' ? '<' : rel === '>=' ? '>' : rel;
  return (r, a, b) => {
    const ah = signed ? a[1]! : `(${a[1]} >>> 0)`;
    const bh = signed ? b[1]! : `(${b[1]} >>> 0)`;
    const c = `(${ah} ${strict} ${bh} || (${a[1]} === ${b[1]} && (${a[0]} >>> 0) ${rel} (${b[0]} >>> 0)))`;
    return bool(c)(r, a, b);
  };
}
pair(Op.I64LtS, compare('<', true));
pair(Op.I64GtS, compare('>', true));
pair(Op.I64LeS, compare('<=', true));
pair(Op.I64GeS, compare('>=', true));
pair(Op.I64LtU, compare('<', false));
pair(Op.I64GtU, compare('>', false));
pair(Op.I64LeU, compare('<=', false));
pair(Op.I64GeU, compare('>=', false));
// count zeros of a 32-bit half x (32 when x is 0)
const ctz32 = (x: string): string => `(${x} === 0 ? 32 : 31 - Math.clz32(${x} & -${x}))`;
pair(
  Op.I64Clz,
  (r, a) =>
    `${t0} = ${a[1]} !== 0 ? Math.clz32(${a[1]}) : 32 + Math.clz32(${a[0]}); ${set(r, t0, '0')}`,
);
pair(
  Op.I64Ctz,
  (r, a) => `${t0} = ${a[0]} !== 0 ? ${ctz32(a[0]!)} : 32 + ${ctz32(a[1]!)}; ${set(r, t0, '0')}`,
);
pair(
  Op.I64Popcnt,
  (r, a) => `${t0} = N_i32Popcnt(${a[0]}) + N_i32Popcnt(${a[1]}); ${set(r, t0, '0')}`,
);
// add/sub: the carry (borrow) out of the low halves, compared unsigned
pair(
  Op.I64Add,
  (r, a, b) =>
    `${t0} = (${a[0]} + ${b[0]}) | 0; ${t1} = (${a[1]} + ${b[1]} + ((${t0} >>> 0) < (${a[0]} >>> 0) ? 1 : 0)) | 0; ${set(r, t0, t1)}`,
);
pair(
  Op.I64Sub,
  (r, a, b) =>
    `${t0} = (${a[0]} - ${b[0]}) | 0; ${t1} = (${a[1]} - ${b[1]} - ((${a[0]} >>> 0) < (${b[0]} >>> 0) ? 1 : 0)) | 0; ${set(r, t0, t1)}`,
);
// mul: the high word of the unsigned 32×32 product of the low halves from 16-bit pieces (every
// partial sum stays below 2^32, exact in a double), plus the two cross products' low words
pair(
  Op.I64Mul,
  (r, a, b) =>
    `${t0} = ${a[0]} & 0xffff; ${t1} = ${a[0]} >>> 16; ${t2} = ${b[0]} & 0xffff; ${t3} = ${b[0]} >>> 16; ` +
    `${t4} = ${t1} * ${t2} + ((${t0} * ${t2}) >>> 16); ${t5} = ${t0} * ${t3} + (${t4} & 0xffff); ` +
    `${t6} = (${t1} * ${t3} + (${t4} >>> 16) + (${t5} >>> 16) + Math.imul(${a[0]}, ${b[1]}) + Math.imul(${a[1]}, ${b[0]})) | 0; ` +
    `${t7} = Math.imul(${a[0]}, ${b[0]}); ${set(r, t7, t6)}`,
);
bigOp(Op.I64DivS, 'i64DivS');
bigOp(Op.I64DivU, 'i64DivU');
bigOp(Op.I64RemS, 'i64RemS');
bigOp(Op.I64RemU, 'i64RemU');
pair(Op.I64And, (r, a, b) => set(r, `${a[0]} & ${b[0]}`, `${a[1]} & ${b[1]}`));
pair(Op.I64Or, (r, a, b) => set(r, `${a[0]} | ${b[0]}`, `${a[1]} | ${b[1]}`));
pair(Op.I64Xor, (r, a, b) => set(r, `${a[0]} ^ ${b[0]}`, `${a[1]} ^ ${b[1]}`));
// shifts: count mod 64; a count of 32 or more moves one half into the other (JS shifts count mod
// 32); `(x >>> 1) >>> (31 - n)` is x >>> (32 - n) that is also right for n = 0. A count that is
// an integer literal (the JS tier passes an i64.const just before as literals) picks its case when
// the code is generated: shorter code, no branch.
const literal = (x: string | undefined): number | undefined =>
  x !== undefined && /^-?\d+$/.test(x) ? Number(x) & 63 : undefined;
/** A shift template: the constant-count form for a literal count, else the general one. */
const shift =
  (general: PairTemplate, constant: (n: number) => PairTemplate): PairTemplate =>
  (r, a, b) => {
    const n = literal(b[0]);
    return n === undefined ? general(r, a, b) : constant(n)(r, a, b);
  };
pair(
  Op.I64Shl,
  shift(
    (r, a, b) =>
      `${t0} = ${b[0]} & 63; if (${t0} >= 32) { ${t2} = ${a[0]} << ${t0}; ${t1} = 0; } ` +
      `else { ${t2} = (${a[1]} << ${t0}) | ((${a[0]} >>> 1) >>> (31 - ${t0})); ${t1} = ${a[0]} << ${t0}; } ${set(r, t1, t2)}`,
    (n) => (r, a) =>
      n === 0
        ? set(r, a[0]!, a[1]!)
        : n >= 32
          ? `${t0} = ${a[0]} << ${n - 32}; ${set(r, '0', t0)}`
          : `${t1} = (${a[1]} << ${n}) | (${a[0]} >>> ${32 - n}); ${t0} = ${a[0]} << ${n}; ${set(r, t0, t1)}`,
  ),
);
pair(
  Op.I64ShrU,
  shift(
    (r, a, b) =>
      `${t0} = ${b[0]} & 63; if (${t0} >= 32) { ${t1} = (${a[1]} >>> ${t0}) | 0; ${t2} = 0; } ` +
      `else { ${t1} = (${a[0]} >>> ${t0}) | ((${a[1]} << 1) << (31 - ${t0})); ${t2} = (${a[1]} >>> ${t0}) | 0; } ${set(r, t1, t2)}`,
    (n) => (r, a) =>
      n === 0
        ? set(r, a[0]!, a[1]!)
        : n >= 32
          ? `${t0} = (${a[1]} >>> ${n - 32}) | 0; ${set(r, t0, '0')}`
          : `${t0} = (${a[0]} >>> ${n}) | (${a[1]} << ${32 - n}); ${t1} = (${a[1]} >>> ${n}) | 0; ${set(r, t0, t1)}`,
  ),
);
pair(
  Op.I64ShrS,
  shift(
    (r, a, b) =>
      `${t0} = ${b[0]} & 63; if (${t0} >= 32) { ${t1} = ${a[1]} >> ${t0}; ${t2} = ${a[1]} >> 31; } ` +
      `else { ${t1} = (${a[0]} >>> ${t0}) | ((${a[1]} << 1) << (31 - ${t0})); ${t2} = ${a[1]} >> ${t0}; } ${set(r, t1, t2)}`,
    (n) => (r, a) =>
      n === 0
        ? set(r, a[0]!, a[1]!)
        : n >= 32
          ? `${t0} = ${a[1]} >> ${n - 32}; ${t1} = ${a[1]} >> 31; ${set(r, t0, t1)}`
          : `${t0} = (${a[0]} >>> ${n}) | (${a[1]} << ${32 - n}); ${t1} = ${a[1]} >> ${n}; ${set(r, t0, t1)}`,
  ),
);
/** Rotate left by count n (an expression, mod 64): by 32 or more swaps the halves first. */
const rotl =
  (n: (b: readonly string[]) => string): PairTemplate =>
  (r, a, b) =>
    `${t0} = ${n(b)}; if (${t0} >= 32) { ${t1} = ${a[1]}; ${t2} = ${a[0]}; } else { ${t1} = ${a[0]}; ${t2} = ${a[1]}; } ${t0} &= 31; ` +
    `${set(r, `(${t1} << ${t0}) | ((${t2} >>> 1) >>> (31 - ${t0}))`, `(${t2} << ${t0}) | ((${t1} >>> 1) >>> (31 - ${t0}))`)}`;
/** Rotate left by a constant n (0..63). */
const rotlBy =
  (n: number): PairTemplate =>
  (r, a) => {
    const [lo, hi] = n >= 32 ? [a[1]!, a[0]!] : [a[0]!, a[1]!];
    const m = n & 31;
    if (m === 0) return `${t0} = ${lo}; ${t1} = ${hi}; ${set(r, t0, t1)}`;
    return `${t0} = (${lo} << ${m}) | (${hi} >>> ${32 - m}); ${t1} = (${hi} << ${m}) | (${lo} >>> ${32 - m}); ${set(r, t0, t1)}`;
  };
pair(
  Op.I64Rotl,
  shift(
    rotl((b) => `${b[0]} & 63`),
    rotlBy,
  ),
);
pair(
  Op.I64Rotr,
  shift(
    rotl((b) => `-${b[0]} & 63`),
    (n) => rotlBy((64 - n) & 63),
  ),
);

// ---- floats: values, NaN as bits (rep.ts); a NaN result or NaN operand of arithmetic gives the canonical NaN ----
const CN = { d: 'NC.nan64', f: 'BigInt(NC.nan32)' };
const num = (a: string): string => `typeof ${a} === 'number'`;
const both = (a: string, b: string): string =>
  `typeof ${a} === 'number' && typeof ${b} === 'number'`;
/** A NaN-producing operator: computed on values, a NaN result or operand gives the canonical NaN. */
const arith = (k: 'd' | 'f', expr: string, a: string, b?: string): string =>
  `${b === undefined ? num(a) : both(a, b)} ? ((tv = ${expr}) === tv ? tv : ${CN[k]}) : ${CN[k]}`;
const negZero = (b: string): string => `${b} < 0 || (${b} === 0 && 1 / ${b} < 0)`;
op(Op.I32ReinterpretF32, (a) => `f2b(${a})`);
op(Op.F32ReinterpretI32, (a) => `b2f(${a})`);
// the f64's bits through the scratch view: a NaN is held as its bits already (rep.ts)
pair(
  Op.I64ReinterpretF64,
  (r, a) =>
    `if (typeof ${a[0]} === 'number') SD.setFloat64(0, ${a[0]}, true); else SD.setBigInt64(0, ${a[0]}, true); ${r[0]} = SD.getInt32(0, true); ${r[1]} = SD.getInt32(4, true);`,
);
pair(
  Op.F64ReinterpretI64,
  (r, a) =>
    `SD.setInt32(0, ${a[0]}, true); SD.setInt32(4, ${a[1]}, true); ${r[0]} = (tv = SD.getFloat64(0, true)) === tv ? tv : SD.getBigInt64(0, true);`,
);
for (const [k, w] of [
  ['d', 'f64'],
  ['f', 'f32'],
] as const) {
  const r = (e: string): string => (k === 'f' ? `Math.fround(${e})` : e);
  const O = (n: string): number => OP(`${w}.${n.toLowerCase()}`);
  op(O('Add'), (a, b) => arith(k, r(`${a} + ${b}`), a, b));
  op(O('Sub'), (a, b) => arith(k, r(`${a} - ${b}`), a, b));
  op(O('Mul'), (a, b) => arith(k, r(`${a} * ${b}`), a, b));
  op(O('Div'), (a, b) => arith(k, r(`${a} / ${b}`), a, b));
  op(O('Sqrt'), (a) => arith(k, r(`Math.sqrt(${a})`), a));
  op(O('Min'), (a, b) => `${both(a, b)} ? Math.min(${a}, ${b}) : ${CN[k]}`);
  op(O('Max'), (a, b) => `${both(a, b)} ? Math.max(${a}, ${b}) : ${CN[k]}`);
  op(O('Ceil'), (a) => `${num(a)} ? Math.ceil(${a}) : ${CN[k]}`);
  op(O('Floor'), (a) => `${num(a)} ? Math.floor(${a}) : ${CN[k]}`);
  op(O('Trunc'), (a) => `${num(a)} ? Math.trunc(${a}) : ${CN[k]}`);
  op(O('Nearest'), (a) => `${num(a)} ? nearest(${a}) : ${CN[k]}`);
  // bitwise on a NaN: numeric.ts on its bits keeps the payload
  const bits = k === 'd' ? (a: string): string => a : (a: string): string => `Number(${a})`;
  const back = k === 'd' ? 'b2d' : 'b2f';
  const to = k === 'd' ? 'd2b' : 'f2b';
  op(O('Abs'), (a) => `${num(a)} ? Math.abs(${a}) : ${back}(N_${w}Abs(${bits(a)}))`);
  op(O('Neg'), (a) => `${num(a)} ? -${a} : ${back}(N_${w}Neg(${bits(a)}))`);
  op(
    O('Copysign'),
    (a, b) =>
      `${both(a, b)} ? (${negZero(b)} ? -Math.abs(${a}) : Math.abs(${a})) : ${back}(N_${w}Copysign(${to}(${a}), ${to}(${b})))`,
  );
  op(O('Eq'), (a, b) => `${num(a)} && ${a} === ${b} ? 1 : 0`);
  op(O('Ne'), (a, b) => `${num(a)} && ${a} === ${b} ? 0 : 1`);
  op(O('Lt'), (a, b) => `${both(a, b)} && ${a} < ${b} ? 1 : 0`);
  op(O('Gt'), (a, b) => `${both(a, b)} && ${a} > ${b} ? 1 : 0`);
  op(O('Le'), (a, b) => `${both(a, b)} && ${a} <= ${b} ? 1 : 0`);
  op(O('Ge'), (a, b) => `${both(a, b)} && ${a} >= ${b} ? 1 : 0`);
}
op(Op.F64PromoteF32, (a) => `${num(a)} ? ${a} : ${CN.d}`);
op(Op.F32DemoteF64, (a) => `${num(a)} ? Math.fround(${a}) : ${CN.f}`);
op(Op.F64ConvertI32S, (a) => a);
op(Op.F64ConvertI32U, (a) => `${a} >>> 0`);
op(Op.F32ConvertI32S, (a) => `Math.fround(${a})`);
op(Op.F32ConvertI32U, (a) => `Math.fround(${a} >>> 0)`);
// Number(bigint) rounds correctly once; to f32 it would round twice, so those go through numeric.ts
// high × 2^32 is exact and so is the low word: the sum is the one rounding, as Number(bigint) does
pair(Op.F64ConvertI64S, (r, a) => `${r[0]} = ${a[1]} * 4294967296 + (${a[0]} >>> 0);`);
pair(Op.F64ConvertI64U, (r, a) => `${r[0]} = (${a[1]} >>> 0) * 4294967296 + (${a[0]} >>> 0);`);
bigOp(Op.F32ConvertI64S, 'f32ConvertI64S');
bigOp(Op.F32ConvertI64U, 'f32ConvertI64U');
bitsOp(Op.I32TruncF32S, 'i32TruncF32S');
bitsOp(Op.I32TruncF32U, 'i32TruncF32U');
bitsOp(Op.I32TruncF64S, 'i32TruncF64S');
bitsOp(Op.I32TruncF64U, 'i32TruncF64U');
bigOp(Op.I64TruncF32S, 'i64TruncF32S');
bigOp(Op.I64TruncF32U, 'i64TruncF32U');
bigOp(Op.I64TruncF64S, 'i64TruncF64S');
bigOp(Op.I64TruncF64U, 'i64TruncF64U');
bitsOp(Op.I32TruncSatF32S, 'i32TruncSatF32S');
bitsOp(Op.I32TruncSatF32U, 'i32TruncSatF32U');
bitsOp(Op.I32TruncSatF64S, 'i32TruncSatF64S');
bitsOp(Op.I32TruncSatF64U, 'i32TruncSatF64U');
bigOp(Op.I64TruncSatF32S, 'i64TruncSatF32S');
bigOp(Op.I64TruncSatF32U, 'i64TruncSatF32U');
bigOp(Op.I64TruncSatF64S, 'i64TruncSatF64S');
bigOp(Op.I64TruncSatF64U, 'i64TruncSatF64U');
