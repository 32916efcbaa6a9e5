/**
 * Internal calling convention (issue 19 item 4): a defined function F of type (P) -> (R) is
 * compiled to an internal F' of type (P, fuel i64, depth i32) -> (R, fuel i64), so that direct
 * calls carry the fuel and the stack budget in registers instead of writing and re-reading the
 * `__icn_fuel` / `__icn_stack` globals on every call (the global writes cost V8 1.5-2x on
 * call-heavy code). F's index keeps a wrapper of type (P) -> (R) for everything that is not a
 * direct call (exports, tables, start, ref.func, call_indirect): it passes the globals in and
 * writes the fuel back.
 *
 * Observables are unchanged: every trap point of F' writes its fuel to `__icn_fuel` first (as
 * before, plus the stack-exhaustion trap, which ran before the fuel was re-read), and before a
 * call that may enter a wrapper (imports, call_indirect, functions left as they are) the caller's
 * depth is stored in `__icn_stack`, the value the old prologue left there.
 */
import { OP } from '../binary/opcodes.js';
import type { Instr, ValType } from '../binary/types.js';

const I = (name: string, fields: Partial<Instr> = {}): Instr => ({
  op: OP(name),
  offset: -1,
  ...fields,
});

/** V8's limits on a function's parameters and results: beyond them F stays as it is. */
const MAX_PARAMS = 1000;
const MAX_RESULTS = 1000;

export function fitsConvention(params: readonly ValType[], results: readonly ValType[]): boolean {
  return params.length + 2 <= MAX_PARAMS && results.length + 1 <= MAX_RESULTS;
}

export const internalType = (
  params: readonly ValType[],
  results: readonly ValType[],
): [ValType[], ValType[]] => [
  [...params, 'i64', 'i32'],
  [...results, 'i64'],
];

/** A direct call to an internal F': fuel and depth in, fuel out (old-layout local indices). */
export function internalCall(callee: number, fl: number, depth: number): Instr[] {
  return [
    I('local.get', { idx: fl }),
    I('local.get', { idx: depth }),
    I('call', { idx: callee }),
    I('local.set', { idx: fl }),
  ];
}

/** Before a call that may enter a wrapper: the caller's depth, as the old prologue left it. */
export function publishDepth(depth: number, gStack: number): Instr[] {
  return [I('local.get', { idx: depth }), I('global.set', { idx: gStack })];
}

/** F' prologue: take the frame from the depth parameter or trap (fuel written back first). */
export function internalPrologue(depth: number, frame: number, flushAndTrap: Instr[]): Instr[] {
  return [
    I('local.get', { idx: depth }),
    I('i32.const', { value: frame }),
    I('i32.sub'),
    I('local.tee', { idx: depth }),
    I('i32.const', { value: 0 }),
    I('i32.lt_s'),
    I('if', { bt: { kind: 'empty' } }),
    ...flushAndTrap,
    I('end'),
  ];
}

/**
 * Move a body written for the old layout [P][locals][fl i64][depth i32][extras] to the internal
 * layout [P][fuel i64][depth i32][locals][extras]: returns the body and the declared locals.
 */
export function toInternalLayout(
  body: readonly Instr[],
  locals: readonly ValType[],
  np: number,
  nl: number,
): { locals: ValType[]; body: Instr[] } {
  const map = (x: number): number =>
    x < np ? x : x < np + nl ? x + 2 : x === np + nl ? np : x === np + nl + 1 ? np + 1 : x;
  const out = body.map((ins) => {
    const n = ins.op;
    return n === OP('local.get') || n === OP('local.set') || n === OP('local.tee')
      ? { ...ins, idx: map(ins.idx!) }
      : ins;
  });
  return { locals: [...locals.slice(0, nl), ...locals.slice(nl + 2)], body: out };
}

/** The wrapper at F's index: globals in, F', fuel out, `__icn_stack` as it was (local np). */
export function wrapperBody(np: number, internal: number, gFuel: number, gStack: number): Instr[] {
  const args = Array.from({ length: np }, (_, i) => I('local.get', { idx: i }));
  return [
    I('global.get', { idx: gStack }),
    I('local.set', { idx: np }),
    ...args,
    I('global.get', { idx: gFuel }),
    I('local.get', { idx: np }),
    I('call', { idx: internal }),
    I('global.set', { idx: gFuel }),
    I('local.get', { idx: np }),
    I('global.set', { idx: gStack }),
  ];
}
