/**
 * The run loop's form of the operator table (ops.ts): one generated function, `step`, with a case
 * per operator whose body is the operator's own template, on the interpreter's bits (rep.ts
 * conversions around the template for float operands and results; an i64 operator's pair template
 * between a split of its bigint operands into int32 halves and a join of its result, through
 * rep.ts's SB/SI scratch arrays, without allocating but for the result). The run loop (machine.ts)
 * hands it every value operator, load and store; the JS tier writes the same templates inline, so
 * the two tiers run one semantics. One function with a switch, not a function per operator: the
 * run loop then makes one monomorphic call per operator instead of a megamorphic one.
 */
import {
  allOperators,
  operator,
  SCOPE,
  joinOf,
  splitTo,
  T_I64,
  type OperatorDef,
  type PairLoadOp,
  type PairOp,
  type PairStoreOp,
} from './ops.js';
import { WasmTrap } from './numeric.js';
import { toBits, toValue } from './rep.js';
import type { ValType } from '../binary/types.js';
import type { MemInst, Val } from './store.js';

/**
 * Runs operator `o` (immediate `ia`: a load's or store's static offset) on the stack S of height
 * sp; returns the new height, or -1 when `o` is not a value operator, load or store.
 */
export type StepFn = (
  o: number,
  ia: number,
  S: Val[],
  sp: number,
  mem: MemInst | undefined,
) => number;

const isFloat = (t: string): boolean => t === 'f32' || t === 'f64';

/** The names of an operand or result of type t in the run loop's wrapper of a pair template. */
const halves = (t: ValType, v: string): string[] => (t === 'i64' ? [`${v}l`, `${v}h`] : [v]);
/** Statements taking the run loop's value v (a bigint for an i64, bits for a float) into halves(t, v). */
function fromStack(t: ValType, v: string): string {
  if (t === 'i64') return splitTo(v, halves(t, v));
  return isFloat(t) ? `${v} = ${toValue(t, v)};` : '';
}
/** Expression of the run loop's value for result names halves(t, v). */
function toStack(t: ValType, v: string): string {
  if (t === 'i64') return joinOf(halves(t, v));
  return toBits(t, v);
}
/** The case of a pair operator (ops.ts): its operands split into halves, its result joined. */
function pairCase(d: PairOp | PairLoadOp | PairStoreOp): string {
  const addr = (w: number): string =>
    `ea = (S[--sp] >>> 0) + (ia >>> 0); if (ea + ${w} > mem.bytes.length) throw oob(ea, ${w}); MB = mem.bytes; MV = mem.view;`;
  if (d.kind === 'pairLoad')
    return `case ${d.key}: ${addr(d.width)} ${d.stmt('ea', halves('i64', 'r'))} S[sp++] = ${toStack('i64', 'r')}; return sp;`;
  if (d.kind === 'pairStore')
    return `case ${d.key}: v = S[--sp]; ${fromStack('i64', 'v')} ${addr(d.width)} ${d.stmt('ea', halves('i64', 'v'))}; return sp;`;
  const bin = d.params.length === 2;
  const get = bin ? 'b = S[--sp]; a = S[sp - 1];' : 'a = S[sp - 1];';
  const conv = `${fromStack(d.params[0]!, 'a')} ${bin ? fromStack(d.params[1]!, 'b') : ''}`;
  const names = d.stmt(
    halves(d.result, 'r'),
    halves(d.params[0]!, 'a'),
    bin ? halves(d.params[1]!, 'b') : [],
  );
  return `case ${d.key}: ${get} ${conv} ${names} S[sp - 1] = ${toStack(d.result, 'r')}; return sp;`;
}

/** The case of one operator in `step`'s switch. */
function caseOf(d: OperatorDef): string {
  if (d.kind === 'pair' || d.kind === 'pairLoad' || d.kind === 'pairStore') return pairCase(d);
  if (d.kind === 'pure') {
    const bin = d.params.length === 2;
    const vars = ['a', 'b'];
    const conv = d.params
      .map((t, i) => (isFloat(t) ? ` ${vars[i]} = ${toValue(t, vars[i]!)};` : ''))
      .join('');
    const get = bin ? 'b = S[--sp]; a = S[sp - 1];' : 'a = S[sp - 1];';
    return `case ${d.key}: ${get}${conv} S[sp - 1] = ${toBits(d.result, d.expr('a', 'b'))}; return sp;`;
  }
  const addr = `ea = (S[--sp] >>> 0) + (ia >>> 0); if (ea + ${d.width} > mem.bytes.length) throw oob(ea, ${d.width}); MB = mem.bytes; MV = mem.view;`;
  if (d.kind === 'load')
    return `case ${d.key}: ${addr} S[sp++] = ${toBits(d.result, d.expr('ea'))}; return sp;`;
  const conv = isFloat(d.value) ? ` v = ${toValue(d.value, 'v')};` : '';
  return `case ${d.key}: v = S[--sp]; ${addr}${conv} ${d.stmt('ea', 'v')}; return sp;`;
}

function generateStep(): StepFn {
  const cases = allOperators().map(caseOf).join('\n');
  const source = `return function step(o, ia, S, sp, mem) {
let a, b, v, r, tv, ea = 0, MB, MV;
let al = 0, ah = 0, bl = 0, bh = 0, vl = 0, vh = 0, rl = 0, rh = 0, ${T_I64.map((t) => `${t} = 0`).join(', ')};
switch (o) {
${cases}
}
return -1;
};`;
  const scope = new Map<string, unknown>(SCOPE);
  scope.set(
    'oob',
    (ea: number, w: number) => new WasmTrap('memory_oob', `access of ${w} bytes at ${ea}`),
  );
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- our own templates, no input text
  const factory = new Function(...scope.keys(), source) as (...v: unknown[]) => StepFn;
  return factory(...scope.values());
}

export const step: StepFn = generateStep();

export type UnaryFn = (a: Val) => Val;
export type BinaryFn = (a: Val, b: Val) => Val;
export type LoadFn = (MB: Uint8Array, MV: DataView, ea: number) => Val;
export type StoreFn = (MB: Uint8Array, MV: DataView, ea: number, v: Val) => void;

/** One function from generated source, with the template scope bound (our own templates, no input text). */
function compile<F>(source: string): F {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- see the doc comment
  const factory = new Function(...SCOPE.keys(), source) as (...v: unknown[]) => F;
  return factory(...SCOPE.values());
}
function def<K extends OperatorDef['kind']>(
  key: number,
  kind: K,
): Extract<OperatorDef, { kind: K }> {
  const d = operator(key);
  if (d?.kind !== kind) throw new Error(`interp: operator ${key} is not a ${kind} operator`);
  return d as Extract<OperatorDef, { kind: K }>;
}
const ident = (name: string): string => name.replace(/\W/g, '_');

/**
 * One operator as a function of its own, for the run loop's hottest cases: a call site that always
 * calls the same small function is inlined by V8, where `step` is one call per operator.
 */
export function pureFn<F extends UnaryFn | BinaryFn>(key: number): F {
  const d = def(key, 'pure');
  const vars = ['a', 'b'];
  const conv = d.params
    .map((t, i) => (isFloat(t) ? `${vars[i]} = ${toValue(t, vars[i]!)}; ` : ''))
    .join('');
  return compile<F>(
    `return function ${ident(d.name)}(a, b) { let tv; ${conv}return ${toBits(d.result, d.expr('a', 'b'))}; };`,
  );
}
export function loadFn(key: number): LoadFn {
  const d = def(key, 'load');
  return compile(
    `return function ${ident(d.name)}(MB, MV, ea) { let tv; return ${toBits(d.result, d.expr('ea'))}; };`,
  );
}
export function storeFn(key: number): StoreFn {
  const d = def(key, 'store');
  const conv = isFloat(d.value) ? `v = ${toValue(d.value, 'v')}; ` : '';
  return compile(
    `return function ${ident(d.name)}(MB, MV, ea, v) { ${conv}${d.stmt('ea', 'v')}; };`,
  );
}

/** One value operator applied to its operands, through `step` (for tests and tools). */
export function applyOp(key: number, args: readonly Val[]): Val {
  const S = [...args];
  if (step(key, 0, S, S.length, undefined) < 0) throw new Error(`not a value operator: ${key}`);
  return S[0]!;
}
