/**
 * Cheaper placement of the instrumenter's meters with bit-identical semantics (issue 19 item 4).
 * Both rewrites keep every observable of the per-segment scheme: fuel used, the trap kind, and
 * the state at a trap (memory, globals, `__icn_fuel`).
 *
 * - Fast loops: an innermost loop without calls runs as two copies. At each iteration the fast
 *   copy checks once that the fuel covers the sum of every charge in the body (an upper bound of
 *   any one iteration, which cannot revisit a segment without passing the header again); then no
 *   charge of that iteration can fail, so the fast copy drops the checks and deducts lazily: the
 *   pending amount is subtracted at control points, and every write-back before a possible trap
 *   stores the exact value (`fuel - pending`). When the check fails, control moves at the same
 *   header to the slow copy, the per-segment code unchanged, which finds the exact out-of-fuel
 *   point.
 * - Leaf frames: a function that makes no call needs only `__icn_stack >= frame` on entry; nothing
 *   can observe its frame being taken (the executor resets `__icn_stack` before every call).
 */
import { OP, opInfo } from '../binary/opcodes.js';
import type { BlockType, Instr } from '../binary/types.js';
import { dropSafeFlushes, provenAccesses } from './bounds.js';

/** A charge sequence emitted by the instrumenter, keyed by its first instruction. */
export interface ChargeMark {
  cost: number;
  /** Number of instructions of the whole sequence (check, trap block, deduction). */
  len: number;
}

export interface PlanContext {
  /** The function's local caching the fuel. */
  fl: number;
  gFuel: number;
  marks: ReadonlyMap<Instr, ChargeMark>;
  /** Does this block type take parameters? (such loops are left as they are) */
  hasParams: (bt: BlockType) => boolean;
  /** Number of values a branch to a label of this block type carries. */
  arity: (bt: BlockType, loop: boolean) => number;
  /** Add a scratch local of the function, returning its index. */
  addLocal: (t: 'i32' | 'i64') => number;
  /** Use the in-bounds proofs of bounds.ts (false only to measure without them). */
  bounds: boolean;
}

const I = (name: string, fields: Partial<Instr> = {}): Instr => ({
  op: OP(name),
  offset: -1,
  ...fields,
});
const nameOf = (ins: Instr): string => opInfo(ins.op)!.name;
const OPENS = new Set(['block', 'loop', 'if']);
/** Loops with more instructions per charge than this keep the per-segment code (see loopBudget). */
const MAX_INSTRS_PER_CHARGE = 16;
const CONTROL_POINT = new Set(['block', 'loop', 'if', 'else', 'end', 'br', 'br_if', 'br_table']);

/** Index of the `end` matching every block, loop and if of `body`. */
function matchingEnds(body: readonly Instr[]): Map<number, number> {
  const ends = new Map<number, number>();
  const open: number[] = [];
  body.forEach((ins, i) => {
    const n = nameOf(ins);
    if (OPENS.has(n)) open.push(i);
    else if (n === 'end' && open.length > 0) ends.set(open.pop()!, i);
  });
  return ends;
}

/** For every br_if of `body`: does its label carry no values? */
function emptyBrIfs(body: readonly Instr[], c: PlanContext): Set<number> {
  const out = new Set<number>();
  const labels: number[] = [];
  body.forEach((ins, i) => {
    const n = nameOf(ins);
    if (OPENS.has(n)) labels.push(c.arity(ins.bt!, n === 'loop'));
    else if (n === 'end') labels.pop();
    else if (n === 'br_if' && labels[labels.length - 1 - ins.idx!] === 0) out.add(i);
  });
  return out;
}

const isFlush = (body: readonly Instr[], i: number, c: PlanContext): boolean =>
  nameOf(body[i]!) === 'local.get' &&
  body[i]!.idx === c.fl &&
  body[i + 1] !== undefined &&
  nameOf(body[i + 1]!) === 'global.set' &&
  body[i + 1]!.idx === c.gFuel;

/**
 * Sum of the charges of the loop body [from, to), or undefined when the loop is not eligible:
 * a nested loop, a call, or any other use of the fuel (local or global) than charges and
 * write-backs.
 */
function loopBudget(
  body: readonly Instr[],
  from: number,
  to: number,
  c: PlanContext,
): number | undefined {
  let sum = 0;
  let charges = 0;
  let other = 0;
  for (let i = from; i < to; i++) {
    const mark = c.marks.get(body[i]!);
    if (mark !== undefined) {
      sum += mark.cost;
      charges++;
      i += mark.len - 1;
      continue;
    }
    other++;
    if (isFlush(body, i, c)) {
      i++;
      continue;
    }
    const ins = body[i]!;
    const n = nameOf(ins);
    if (n === 'loop' || n === 'call' || n === 'call_indirect') return undefined;
    if (n.startsWith('local.') && ins.idx === c.fl) return undefined;
    if (n.startsWith('global.') && ins.idx === c.gFuel) return undefined;
  }
  // the second copy costs V8 registers and code: it pays only where meters are a sizeable part
  // of the body (measured: sieve, heapsort ~5 instructions per charge gain; a hash round of ~32 loses)
  return sum > 0 && other <= MAX_INSTRS_PER_CHARGE * charges ? sum : undefined;
}

/** A branch with its labels that leave the copied loop moved out by `delta` (k labels are inside). */
function shifted(ins: Instr, k: number, delta: number): Instr {
  const n = nameOf(ins);
  const move = (l: number): number => (l > k ? l + delta : l);
  if (n === 'br' || n === 'br_if') return { ...ins, idx: move(ins.idx!) };
  if (n === 'br_table') return { ...ins, idx: move(ins.idx!), labels: ins.labels!.map(move) };
  return ins;
}

/** Depth bookkeeping: labels opened inside the copied body so far. */
function nextDepth(ins: Instr, k: number): number {
  const n = nameOf(ins);
  return OPENS.has(n) ? k + 1 : n === 'end' ? k - 1 : k;
}

function slowCopy(body: readonly Instr[], from: number, to: number, delta: number): Instr[] {
  const out: Instr[] = [];
  let k = 0;
  for (let i = from; i < to; i++) {
    const ins = body[i]!;
    out.push(shifted(ins, k, delta));
    k = nextDepth(ins, k);
  }
  return out;
}

function fastCopy(
  body: readonly Instr[],
  from: number,
  to: number,
  c: PlanContext,
  delta: number,
  empty: Set<number>,
  safe: Set<number>,
): Instr[] {
  const out: Instr[] = [];
  let pending = 0;
  let k = 0;
  const deduct = (): Instr[] => [
    I('local.get', { idx: c.fl }),
    I('i64.const', { value: BigInt(pending) }),
    I('i64.sub'),
    I('local.set', { idx: c.fl }),
  ];
  const settle = (): void => {
    if (pending > 0) out.push(...deduct());
    pending = 0;
  };
  for (let i = from; i < to; i++) {
    const ins = body[i]!;
    const mark = c.marks.get(ins);
    if (mark !== undefined) {
      pending += mark.cost;
      i += mark.len - 1;
    } else if (isFlush(body, i, c) && safe.has(i + 2)) {
      i++; // the access after it cannot trap (bounds.ts): nobody reads the global before the next write-back
    } else if (isFlush(body, i, c)) {
      out.push(I('local.get', { idx: c.fl }));
      if (pending > 0) out.push(I('i64.const', { value: BigInt(pending) }), I('i64.sub'));
      out.push(I('global.set', { idx: c.gFuel }));
      i++;
    } else if (pending > 0 && empty.has(i)) {
      // a br_if to a label without values: deduct on the taken edge only, keep pending on the other
      const br = shifted(ins, k, delta);
      out.push(
        I('if', { bt: { kind: 'empty' } }),
        ...deduct(),
        I('br', { idx: br.idx! + 1 }),
        I('end'),
      );
    } else {
      if (CONTROL_POINT.has(nameOf(ins))) settle();
      out.push(shifted(ins, k, delta));
      k = nextDepth(ins, k);
    }
  }
  settle();
  return out;
}

/**
 * Bounds checks of the fast copy (bounds.ts). Per local the loop never writes, once at entry:
 * `y + K <= memory size` or the slow copy. Per other local: at entry `lim = memory size - K` (no
 * fast copy when negative), and at the header `x > lim` moves to the slow copy.
 */
function boundsChecks(
  checks: ReadonlyMap<number, number>,
  once: ReadonlyMap<number, number>,
  c: PlanContext,
): { entry: Instr[]; header: Instr[] } {
  const size = [
    I('memory.size', { idx: 0 }),
    I('i64.extend_i32_u'),
    I('i64.const', { value: 16n }),
    I('i64.shl'),
  ];
  // a local the loop never writes: `size - K < y` leaves for the slow copy once, at entry
  const entry: Instr[] = [...once]
    .sort((a, b) => a[0] - b[0])
    .flatMap(([y, k]) => [
      ...size,
      I('i64.const', { value: BigInt(k) }),
      I('i64.sub'),
      I('local.get', { idx: y }),
      I('i64.extend_i32_u'),
      I('i64.lt_s'),
      I('br_if', { idx: 0 }),
    ]);
  const header: Instr[] = [];
  if (checks.size === 0) return { entry, header };
  const t64 = c.addLocal('i64');
  for (const [x, k] of [...checks].sort((a, b) => a[0] - b[0])) {
    const lim = c.addLocal('i32');
    entry.push(
      ...size,
      I('i64.const', { value: BigInt(k) }),
      I('i64.sub'),
      I('local.tee', { idx: t64 }),
      I('i64.const', { value: 0n }),
      I('i64.lt_s'),
      I('br_if', { idx: 0 }),
      I('local.get', { idx: t64 }),
      I('i32.wrap_i64'),
      I('local.set', { idx: lim }),
    );
    header.push(
      I('local.get', { idx: x }),
      I('local.get', { idx: lim }),
      I('i32.gt_u'),
      I('br_if', { idx: 1 }),
    );
  }
  return { entry, header };
}

/**
 * `loop bt B end` as
 * `block bt (block (E (loop bt (br_if 1 (fuel < budget)) H B' end) br 1 end) (loop bt B end) end`:
 * B' is the fast copy, E and H its bounds checks (bounds.ts); the slow copy is B with its outward
 * branches moved by one label.
 */
function splitLoop(
  body: readonly Instr[],
  at: number,
  end: number,
  budget: number,
  c: PlanContext,
  empty: Set<number>,
): Instr[] {
  const bt = body[at]!.bt!;
  const proof = c.bounds
    ? provenAccesses(body, at + 1, end, c, true)
    : { safe: new Set<number>(), checks: new Map(), entry: new Map() };
  const { entry, header } = boundsChecks(proof.checks, proof.entry, c);
  const safe = proof.safe;
  return [
    I('block', { bt }),
    I('block', { bt: { kind: 'empty' } }),
    ...entry,
    I('loop', { bt }),
    I('local.get', { idx: c.fl }),
    I('i64.const', { value: BigInt(budget) }),
    I('i64.lt_u'),
    I('br_if', { idx: 1 }),
    ...header,
    ...fastCopy(body, at + 1, end, c, 2, empty, safe),
    I('end'),
    I('br', { idx: 1 }),
    I('end'),
    I('loop', { bt }),
    ...slowCopy(body, at + 1, end, 1),
    I('end'),
    I('end'),
  ];
}

/** Rewrite every eligible innermost loop of an instrumented function body (see the module doc). */
export function planLoops(input: readonly Instr[], c: PlanContext): Instr[] {
  const body = c.bounds ? dropSafeFlushes(input, c) : input;
  const ends = matchingEnds(body);
  const empty = emptyBrIfs(body, c);
  const out: Instr[] = [];
  for (let i = 0; i < body.length; i++) {
    const ins = body[i]!;
    const end = nameOf(ins) === 'loop' && !c.hasParams(ins.bt!) ? ends.get(i) : undefined;
    const budget = end === undefined ? undefined : loopBudget(body, i + 1, end, c);
    if (end !== undefined && budget !== undefined) {
      out.push(...splitLoop(body, i, end, budget, c, empty));
      i = end;
    } else out.push(ins);
  }
  return out;
}

/** Does the function body make a call (its frame can then be observed by a callee's check)? */
export function makesCalls(body: readonly Instr[]): boolean {
  return body.some((ins) => {
    const n = nameOf(ins);
    return (
      n === 'call' || n === 'call_indirect' || n === 'return_call' || n === 'return_call_indirect'
    );
  });
}

/**
 * Stack prologue: take the frame's slots from `__icn_stack` or trap (`trap` is the trap sequence).
 * A leaf only checks: `stack - frame < 0` is `stack < frame` (stack is never negative).
 */
export function stackPrologue(
  gStack: number,
  tmp: number,
  frame: number,
  leaf: boolean,
  trap: Instr[],
): Instr[] {
  if (leaf) {
    return [
      I('global.get', { idx: gStack }),
      I('i32.const', { value: frame }),
      I('i32.lt_s'),
      I('if', { bt: { kind: 'empty' } }),
      ...trap,
      I('end'),
    ];
  }
  return [
    I('global.get', { idx: gStack }),
    I('i32.const', { value: frame }),
    I('i32.sub'),
    I('local.tee', { idx: tmp }),
    I('i32.const', { value: 0 }),
    I('i32.lt_s'),
    I('if', { bt: { kind: 'empty' } }),
    ...trap,
    I('end'),
    I('local.get', { idx: tmp }),
    I('global.set', { idx: gStack }),
  ];
}

/** Stack epilogue: give the frame's slots back (a leaf took none). */
export function stackEpilogue(gStack: number, frame: number, leaf: boolean): Instr[] {
  if (leaf) return [];
  return [
    I('global.get', { idx: gStack }),
    I('i32.const', { value: frame }),
    I('i32.add'),
    I('global.set', { idx: gStack }),
  ];
}
