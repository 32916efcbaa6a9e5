/**
 * Memory accesses proven in bounds, whose fuel write-back can go (issue 19 item 4).
 *
 * The write-back before an access exists only so that `__icn_fuel` is exact if the access traps;
 * the global is read by nobody else before the next write-back (before a call, another possible
 * trap, or the exit). An access that cannot trap needs none. Two proofs, both local:
 *
 * - Repeated access: within a straight-line region (no block boundary; a `br_if` not taken
 *   continues it), once an access through `local.get $x` with offset o and width w has run,
 *   `x + o + w <= memory size`; memory never shrinks, so a later access through the same local,
 *   unchanged in between, with offset + width <= o + w is in bounds.
 * - Header check (fast loop copies only): an access in the loop body's first region through a
 *   local not written since the header reads the header's value of that local. The fast copy
 *   checks `x + K <= memory size` at its header (K the largest offset + width through x there) and
 *   otherwise moves to the slow copy at the same header with the same state, as for fuel.
 */
import { opInfo } from '../binary/opcodes.js';
import type { Instr } from '../binary/types.js';
import type { ChargeMark } from './plan.js';

export interface BoundsContext {
  fl: number;
  gFuel: number;
  marks: ReadonlyMap<Instr, ChargeMark>;
}

export interface BoundsResult {
  /** Indices of accesses that cannot trap (the write-back just before each can go). */
  safe: Set<number>;
  /** Header checks: local -> largest offset + width through it (only when hoisting). */
  checks: Map<number, number>;
  /** Entry checks of locals the loop never writes: local y -> K, checked once as `y + K <= size`. */
  entry: Map<number, number>;
}

/** The value of a `x <u y` (d = -1) or `x <=u y` (d = 0) test left by a not-taken `br_if`. */
interface Below {
  x: number;
  y: number;
  d: number;
}
type Slot = number | Below | undefined;

/** Largest offset + width a header check may cover (memory is at most 2^32 bytes). */
const MAX_HOISTED = 1 << 26;
/** Instructions whose stack effect is followed exactly; every other one ends the region. */
const LOCALS = new Set(['local.get', 'local.set', 'local.tee']);
const ENDS_REGION = new Set([
  'block',
  'loop',
  'if',
  'else',
  'end',
  'br',
  'br_table',
  'return',
  'unreachable',
  'call',
  'call_indirect',
]);

const isFlushAt = (body: readonly Instr[], i: number, c: BoundsContext): boolean =>
  i >= 0 &&
  opInfo(body[i]!.op)!.name === 'local.get' &&
  body[i]!.idx === c.fl &&
  body[i + 1] !== undefined &&
  opInfo(body[i + 1]!.op)!.name === 'global.set' &&
  body[i + 1]!.idx === c.gFuel;

/** Abstract state of a straight-line region: which stack slots hold which local's current value. */
class Region {
  stack: Slot[] = [];
  facts = new Map<number, number>();
  written = new Set<number>();
  /** x -> (y, d): x <=u y + d holds here. */
  below = new Map<number, Below>();
  constructor(
    public first: boolean,
    readonly invariant: ReadonlySet<number> | undefined,
  ) {}

  pop(n: number): Slot[] {
    const out: Slot[] = [];
    for (let k = 0; k < n; k++) out.unshift(this.stack.pop());
    return out;
  }

  push(n: number, v?: Slot): void {
    for (let k = 0; k < n; k++) this.stack.push(v);
  }

  kill(x: number): void {
    this.facts.delete(x);
    this.written.add(x);
    this.below.delete(x);
    for (const [k, b] of this.below) if (b.y === x) this.below.delete(k);
    this.stack = this.stack.map((s) =>
      s === x || (typeof s === 'object' && (s.x === x || s.y === x)) ? undefined : s,
    );
  }

  reset(): void {
    this.stack = [];
    this.facts.clear();
    this.below.clear();
    this.first = false;
  }
}

function access(
  r: Region,
  ins: Instr,
  i: number,
  base: number,
  out: BoundsResult,
  hoist: boolean,
): void {
  const info = opInfo(ins.op)!;
  const k = (ins.memOffset ?? 0) + info.width!;
  const known = r.facts.get(base) ?? 0;
  if (known >= k) {
    out.safe.add(i);
    return;
  }
  const b = r.below.get(base);
  if (
    hoist &&
    r.invariant !== undefined &&
    b !== undefined &&
    r.invariant.has(b.y) &&
    k + b.d <= MAX_HOISTED
  ) {
    out.entry.set(b.y, Math.max(out.entry.get(b.y) ?? 0, k + b.d));
    out.safe.add(i);
  } else if (hoist && r.invariant?.has(base) === true && k <= MAX_HOISTED) {
    out.entry.set(base, Math.max(out.entry.get(base) ?? 0, k));
    out.safe.add(i);
  } else if (hoist && r.first && !r.written.has(base) && k <= MAX_HOISTED) {
    out.checks.set(base, Math.max(out.checks.get(base) ?? 0, k));
    out.safe.add(i);
  }
  r.facts.set(base, Math.max(known, k));
}

function step(
  r: Region,
  body: readonly Instr[],
  i: number,
  out: BoundsResult,
  c: BoundsContext,
  hoist: boolean,
): void {
  const ins = body[i]!;
  const info = opInfo(ins.op)!;
  const n = info.name;
  if (LOCALS.has(n)) {
    if (n !== 'local.get') {
      r.pop(1);
      r.kill(ins.idx!);
    }
    if (n !== 'local.set') r.push(1, ins.idx!);
    return;
  }
  if (n === 'br_if') {
    // not taken: the region goes on, and a `x >=u y` / `x >u y` exit test leaves x below y
    const [t] = r.pop(1);
    if (typeof t === 'object') r.below.set(t.x, t);
    return;
  }
  if (n === 'i32.ge_u' || n === 'i32.gt_u') {
    const [x, y] = r.pop(2);
    return r.push(
      1,
      typeof x === 'number' && typeof y === 'number' && x !== y
        ? { x, y, d: n === 'i32.ge_u' ? -1 : 0 }
        : undefined,
    );
  }
  if (n === 'drop') return void r.pop(1);
  if (n === 'global.get') return r.push(1);
  if (n === 'global.set') return void r.pop(1);
  if (n === 'select') return void (r.pop(3), r.push(1));
  if (
    info.sig === undefined ||
    ENDS_REGION.has(n) ||
    n.startsWith('memory.') ||
    n.startsWith('table.')
  ) {
    return r.reset();
  }
  const [p = '', res = ''] = info.sig.split('>');
  const args = r.pop(p.length);
  if (info.imm === 'memarg' && info.width !== undefined && typeof args[0] === 'number') {
    access(r, ins, i, args[0], out, hoist && isFlushAt(body, i - 2, c));
    if (!isFlushAt(body, i - 2, c)) out.safe.delete(i);
  }
  r.push(res.length);
}

/** Locals read but never written in `body[from, to)` (the fuel cache aside, which is not an address). */
function invariantLocals(body: readonly Instr[], from: number, to: number): Set<number> {
  const read = new Set<number>();
  const written = new Set<number>();
  for (let i = from; i < to; i++) {
    const n = opInfo(body[i]!.op)!.name;
    if (n === 'local.get') read.add(body[i]!.idx!);
    else if (n === 'local.set' || n === 'local.tee') written.add(body[i]!.idx!);
  }
  return new Set([...read].filter((x) => !written.has(x)));
}

/** Accesses of `body[from, to)` proven in bounds (see the module doc). */
export function provenAccesses(
  body: readonly Instr[],
  from: number,
  to: number,
  c: BoundsContext,
  hoist: boolean,
): BoundsResult {
  const out: BoundsResult = { safe: new Set(), checks: new Map(), entry: new Map() };
  const r = new Region(hoist, hoist ? invariantLocals(body, from, to) : undefined);
  for (let i = from; i < to; i++) {
    const mark = c.marks.get(body[i]!);
    if (mark !== undefined) {
      i += mark.len - 1; // a charge leaves the stack as it found it
      continue;
    }
    if (isFlushAt(body, i, c)) {
      i++;
      continue;
    }
    step(r, body, i, out, c, hoist);
  }
  return out;
}

/** `body` without the write-backs before accesses proven in bounds by repeated access. */
export function dropSafeFlushes(body: readonly Instr[], c: BoundsContext): Instr[] {
  const { safe } = provenAccesses(body, 0, body.length, c, false);
  if (safe.size === 0) return [...body];
  return body.filter((_, i) => !safe.has(i + 2) && !safe.has(i + 1));
}
