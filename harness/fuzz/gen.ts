/**
 * A generator of valid `dc` / `dc-float` modules for differential testing, driven by a "choice
 * tape" (an array of naturals, as in Hypothesis): every decision reads the next number, and an
 * exhausted tape always picks the simplest option (a constant, no statement). fast-check shrinks
 * the tape (shorter, smaller numbers), so a failing module shrinks to a small one for free.
 *
 * Modules: the three icn.* imports, one memory (sometimes with a small maximum), a funcref table
 * filled by an element segment (with null slots), mutable globals, an active and a passive data
 * segment, 1-4 exported functions with random signatures calling each other (recursion included:
 * fuel and the stack limit bound every run). Bodies are type-directed: nested blocks, if/else,
 * bounded and unbounded loops, br/br_if/br_table, locals, loads/stores of every width, bulk memory,
 * calls, call_indirect (right type, wrong type, null and out-of-table slots), host calls, traps on
 * purpose (unreachable, division by zero, overflow, out-of-bounds, trapping truncations) and, for
 * dc-float, float operations on edge values that produce NaNs of every kind.
 */
import { OP } from '../../core/wasm/binary/opcodes.js';
import type { BlockType, Instr, ValType, WasmModule } from '../../core/wasm/binary/types.js';
import { emptyModule } from '../../core/wasm/binary/types.js';

export class Tape {
  private i = 0;
  constructor(private readonly xs: readonly number[]) {}
  /** A choice in [0, n): the next tape entry mod n, or 0 once the tape is exhausted. */
  pick(n: number): number {
    if (n <= 1) return 0;
    if (this.i >= this.xs.length) return 0;
    return this.xs[this.i++]! % n;
  }
  done(): boolean {
    return this.i >= this.xs.length;
  }
  of<T>(xs: readonly T[]): T {
    return xs[this.pick(xs.length)]!;
  }
}

export type GenProfile = 'dc' | 'dc-float';

const I = (name: string, f: Partial<Instr> = {}): Instr => ({ op: OP(name), offset: 0, ...f });

const I32_EDGE = [0, 1, -1, 2, 7, 31, 32, 255, 0x7fffffff, -0x80000000, 65535, 65536, 100, -7];
const I64_EDGE = [
  0n,
  1n,
  -1n,
  2n,
  63n,
  64n,
  0x7fffffffffffffffn,
  -0x8000000000000000n,
  0xffffffffn,
  0x100000000n,
  -7n,
  1000n,
];
// f32 / f64 edge bit patterns: zeros, ones, halves, infinities, NaNs (canonical, payload, negative, signaling), extremes
const F32_EDGE = [
  0, 0x80000000, 0x3f800000, 0xbf800000, 0x3f000000, 0x3fc00000, 0x40200000, 0x7f800000, 0xff800000,
  0x7fc00000, 0xffc00000, 0x7fa00001, 0xff800001, 0x7f7fffff, 0x00000001, 0x4f000000, 0xcf000000,
  0x4f800000, 0x5f000000, 0x4b000001, 0x3effffff,
];
const F64_EDGE = [
  0n,
  0x8000000000000000n,
  0x3ff0000000000000n,
  0xbff0000000000000n,
  0x3fe0000000000000n,
  0x3ff8000000000000n,
  0x4004000000000000n,
  0x7ff0000000000000n,
  0xfff0000000000000n,
  0x7ff8000000000000n,
  0xfff8000000000000n,
  0x7ff4000000000001n,
  0xfff0000000000001n,
  0x7fefffffffffffffn,
  0x1n,
  0x41e0000000000000n,
  0xc1e0000000000000n,
  0x41f0000000000000n,
  0x43e0000000000000n,
  0x43f0000000000000n,
  0x4330000000000001n,
];
const ADDRS = [0, 1, 3, 8, 100, 1000, 65528, 65532, 65535, 65536, -1, 70000];

const BIN: Record<string, string[]> = {
  i32: [
    'add',
    'sub',
    'mul',
    'div_s',
    'div_u',
    'rem_s',
    'rem_u',
    'and',
    'or',
    'xor',
    'shl',
    'shr_s',
    'shr_u',
    'rotl',
    'rotr',
  ],
  i64: [
    'add',
    'sub',
    'mul',
    'div_s',
    'div_u',
    'rem_s',
    'rem_u',
    'and',
    'or',
    'xor',
    'shl',
    'shr_s',
    'shr_u',
    'rotl',
    'rotr',
  ],
  f32: ['add', 'sub', 'mul', 'div', 'min', 'max', 'copysign'],
  f64: ['add', 'sub', 'mul', 'div', 'min', 'max', 'copysign'],
};
const UN: Record<string, string[]> = {
  i32: ['clz', 'ctz', 'popcnt', 'extend8_s', 'extend16_s'],
  i64: ['clz', 'ctz', 'popcnt', 'extend8_s', 'extend16_s', 'extend32_s'],
  f32: ['abs', 'neg', 'ceil', 'floor', 'trunc', 'nearest', 'sqrt'],
  f64: ['abs', 'neg', 'ceil', 'floor', 'trunc', 'nearest', 'sqrt'],
};
const CMP: Record<string, string[]> = {
  i32: ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'],
  i64: ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'],
  f32: ['eq', 'ne', 'lt', 'gt', 'le', 'ge'],
  f64: ['eq', 'ne', 'lt', 'gt', 'le', 'ge'],
};
/** Conversions: [name, from, to]. */
const CONV: [string, ValType, ValType][] = [
  ['i32.wrap_i64', 'i64', 'i32'],
  ['i64.extend_i32_s', 'i32', 'i64'],
  ['i64.extend_i32_u', 'i32', 'i64'],
  ['i32.trunc_f32_s', 'f32', 'i32'],
  ['i32.trunc_f32_u', 'f32', 'i32'],
  ['i32.trunc_f64_s', 'f64', 'i32'],
  ['i32.trunc_f64_u', 'f64', 'i32'],
  ['i64.trunc_f32_s', 'f32', 'i64'],
  ['i64.trunc_f32_u', 'f32', 'i64'],
  ['i64.trunc_f64_s', 'f64', 'i64'],
  ['i64.trunc_f64_u', 'f64', 'i64'],
  ['i32.trunc_sat_f32_s', 'f32', 'i32'],
  ['i32.trunc_sat_f32_u', 'f32', 'i32'],
  ['i32.trunc_sat_f64_s', 'f64', 'i32'],
  ['i32.trunc_sat_f64_u', 'f64', 'i32'],
  ['i64.trunc_sat_f32_s', 'f32', 'i64'],
  ['i64.trunc_sat_f32_u', 'f32', 'i64'],
  ['i64.trunc_sat_f64_s', 'f64', 'i64'],
  ['i64.trunc_sat_f64_u', 'f64', 'i64'],
  ['f32.convert_i32_s', 'i32', 'f32'],
  ['f32.convert_i32_u', 'i32', 'f32'],
  ['f32.convert_i64_s', 'i64', 'f32'],
  ['f32.convert_i64_u', 'i64', 'f32'],
  ['f64.convert_i32_s', 'i32', 'f64'],
  ['f64.convert_i32_u', 'i32', 'f64'],
  ['f64.convert_i64_s', 'i64', 'f64'],
  ['f64.convert_i64_u', 'i64', 'f64'],
  ['f32.demote_f64', 'f64', 'f32'],
  ['f64.promote_f32', 'f32', 'f64'],
  ['i32.reinterpret_f32', 'f32', 'i32'],
  ['i64.reinterpret_f64', 'f64', 'i64'],
  ['f32.reinterpret_i32', 'i32', 'f32'],
  ['f64.reinterpret_i64', 'i64', 'f64'],
];
const LOADS: Record<string, [string, number][]> = {
  i32: [
    ['i32.load', 2],
    ['i32.load8_s', 0],
    ['i32.load8_u', 0],
    ['i32.load16_s', 1],
    ['i32.load16_u', 1],
  ],
  i64: [
    ['i64.load', 3],
    ['i64.load8_s', 0],
    ['i64.load8_u', 0],
    ['i64.load16_s', 1],
    ['i64.load16_u', 1],
    ['i64.load32_s', 2],
    ['i64.load32_u', 2],
  ],
  f32: [['f32.load', 2]],
  f64: [['f64.load', 3]],
};
const STORES: Record<string, [string, number][]> = {
  i32: [
    ['i32.store', 2],
    ['i32.store8', 0],
    ['i32.store16', 1],
  ],
  i64: [
    ['i64.store', 3],
    ['i64.store8', 0],
    ['i64.store16', 1],
    ['i64.store32', 2],
  ],
  f32: [['f32.store', 2]],
  f64: [['f64.store', 3]],
};

interface FuncSpec {
  params: ValType[];
  results: ValType[];
  typeIndex: number;
}

export interface GeneratedCase {
  module: WasmModule;
  profile: GenProfile;
  /** Export to call and its arguments (bit strings). */
  invoke: string;
  args: string[];
  fuel: bigint;
}

const IMPORTS = 3; // icn.log, icn.timestamp, icn.entropy_seed

class Gen {
  readonly m: WasmModule = emptyModule();
  readonly types: ValType[];
  funcs: FuncSpec[] = [];
  tableSize = 0;
  // per function
  locals: ValType[] = [];
  labels: ValType[][] = [];
  nodes = 0;

  constructor(
    readonly t: Tape,
    readonly profile: GenProfile,
  ) {
    this.types = profile === 'dc' ? ['i32', 'i64'] : ['i32', 'i64', 'f32', 'f64'];
  }

  typeIndex(params: ValType[], results: ValType[]): number {
    const key = `${params.join(',')}>${results.join(',')}`;
    const i = this.m.types.findIndex((x) => `${x.params.join(',')}>${x.results.join(',')}` === key);
    if (i >= 0) return i;
    this.m.types.push({ params, results });
    return this.m.types.length - 1;
  }

  vt(): ValType {
    return this.t.of(this.types);
  }

  const(t: ValType): Instr {
    const big = this.t.pick(4) === 0;
    switch (t) {
      case 'i32':
        return I('i32.const', {
          value: big ? this.t.pick(1 << 30) - (1 << 29) : this.t.of(I32_EDGE),
        });
      case 'i64':
        return I('i64.const', {
          value: big ? BigInt(this.t.pick(1 << 30)) * 0x100000001n : this.t.of(I64_EDGE),
        });
      case 'f32':
        return I('f32.const', { value: this.t.of(F32_EDGE) });
      default:
        return I('f64.const', { value: this.t.of(F64_EDGE) });
    }
  }

  /** Address operand: mostly constants near the edges of memory, sometimes computed. */
  addr(d: number): Instr[] {
    if (this.t.pick(4) === 0) return this.expr('i32', d - 1);
    return [I('i32.const', { value: this.t.of(ADDRS) })];
  }

  localOf(t: ValType): number | undefined {
    const cands = this.locals.map((x, i) => [x, i] as const).filter(([x]) => x === t);
    if (cands.length === 0) return undefined;
    return cands[this.t.pick(cands.length)]![1];
  }

  newLocal(t: ValType): number {
    this.locals.push(t);
    return this.locals.length - 1;
  }

  /** Instructions leaving exactly one value of type t. */
  expr(t: ValType, d: number): Instr[] {
    this.nodes++;
    if (d <= 0 || this.nodes > 400) {
      const l = this.t.pick(2) === 0 ? this.localOf(t) : undefined;
      return l === undefined ? [this.const(t)] : [I('local.get', { idx: l })];
    }
    const isInt = t === 'i32' || t === 'i64';
    const c = this.t.pick(16);
    switch (c) {
      case 0:
        return [this.const(t)];
      case 1: {
        const l = this.localOf(t);
        return l === undefined ? [this.const(t)] : [I('local.get', { idx: l })];
      }
      case 2:
        return [...this.expr(t, d - 1), ...this.expr(t, d - 1), I(`${t}.${this.t.of(BIN[t]!)}`)];
      case 3:
        return [...this.expr(t, d - 1), I(`${t}.${this.t.of(UN[t]!)}`)];
      case 4:
        return this.binaryOrCompare(t, d);
      case 5:
        return this.conversion(t, d);
      case 6:
        return this.load(t, d);
      case 7: // block with a conditional early exit carrying a value
        return this.valueBlock(t, d);
      case 8: // if/else with a value
        return this.valueIf(t, d);
      case 9:
        return [
          ...this.expr(t, d - 1),
          ...this.expr(t, d - 1),
          ...this.expr('i32', d - 1),
          I('select'),
        ];
      case 10: // call a function returning exactly [t]
        return this.callReturning(t, d);
      case 11: // call_indirect with a type returning [t]
        return this.callIndirectReturning(t, d);
      case 12:
        if (t === 'i32')
          return this.t.pick(2) === 0
            ? [I('memory.size')]
            : [I('i32.const', { value: this.t.of([0, 1, 2, 70000, -1]) }), I('memory.grow')];
        if (t === 'i64') return [I('call', { idx: 1 })]; // icn.timestamp
        return [this.const(t)];
      case 13:
        return this.localTee(t, d);
      case 14:
        return [I('global.get', { idx: this.globalOf(t) })];
      default:
        if (isInt && this.t.pick(2) === 0) {
          // division by edge values: traps on purpose
          return [
            ...this.expr(t, d - 1),
            this.const(t),
            I(`${t}.${this.t.of(['div_s', 'div_u', 'rem_s', 'rem_u'])}`),
          ];
        }
        return [this.const(t)];
    }
  }

  /** A binary operator of t, or (i32) a comparison or eqz of any type. */
  binaryOrCompare(t: ValType, d: number): Instr[] {
    if (t !== 'i32')
      return [...this.expr(t, d - 1), ...this.expr(t, d - 1), I(`${t}.${this.t.of(BIN[t]!)}`)];
    const u = this.vt();
    if (this.t.pick(5) === 0)
      return [
        ...this.expr(u === 'i64' ? 'i64' : 'i32', d - 1),
        I(u === 'i64' ? 'i64.eqz' : 'i32.eqz'),
      ];
    return [...this.expr(u, d - 1), ...this.expr(u, d - 1), I(`${u}.${this.t.of(CMP[u]!)}`)];
  }

  /** A conversion to t from a type the module uses. */
  conversion(t: ValType, d: number): Instr[] {
    const cs = CONV.filter(([, from, to]) => to === t && this.types.includes(from));
    if (cs.length === 0) return [this.const(t)];
    const [name, from] = this.t.of(cs);
    return [...this.expr(from, d - 1), I(name)];
  }

  /** A load of t at a generated address, alignment and offset. */
  load(t: ValType, d: number): Instr[] {
    const [name, align] = this.t.of(LOADS[t]!);
    return [
      ...this.addr(d),
      I(name, {
        align: this.t.pick(align + 1),
        memOffset: this.t.of([0, 0, 0, 1, 4, 65535, 65536]),
      }),
    ];
  }

  /** A block with a conditional early exit carrying a value. */
  valueBlock(t: ValType, d: number): Instr[] {
    this.labels.push([t]);
    const body = [
      ...this.expr(t, d - 1),
      ...this.expr('i32', d - 1),
      I('br_if', { idx: 0 }),
      I('drop'),
      ...this.stmts(d - 1),
      ...this.expr(t, d - 1),
    ];
    this.labels.pop();
    return [I('block', { bt: { kind: 'val', type: t } }), ...body, I('end')];
  }

  /** An if/else with a value. */
  valueIf(t: ValType, d: number): Instr[] {
    const cond = this.expr('i32', d - 1);
    this.labels.push([t]);
    const a = [...this.stmts(d - 1), ...this.expr(t, d - 1)];
    const b = this.expr(t, d - 1);
    this.labels.pop();
    return [...cond, I('if', { bt: { kind: 'val', type: t } }), ...a, I('else'), ...b, I('end')];
  }

  /** A call of a function returning exactly [t]. */
  callReturning(t: ValType, d: number): Instr[] {
    const cands = this.funcs
      .map((f, i) => [f, i] as const)
      .filter(([f]) => f.results.length === 1 && f.results[0] === t);
    if (cands.length === 0) return [this.const(t)];
    const [f, i] = cands[this.t.pick(cands.length)]!;
    return [...f.params.flatMap((p) => this.expr(p, d - 1)), I('call', { idx: IMPORTS + i })];
  }

  /** A call_indirect with a type returning [t]. */
  callIndirectReturning(t: ValType, d: number): Instr[] {
    const cands = this.funcs.filter((f) => f.results.length === 1 && f.results[0] === t);
    const f =
      cands.length > 0 && this.t.pick(4) !== 0
        ? this.t.of(cands)
        : { params: [], results: [t], typeIndex: this.typeIndex([], [t]) };
    const slot =
      this.t.pick(3) === 0
        ? this.expr('i32', d - 1)
        : [I('i32.const', { value: this.t.pick(this.tableSize + 2) })];
    return [
      ...f.params.flatMap((p) => this.expr(p, d - 1)),
      ...slot,
      I('call_indirect', { idx: f.typeIndex, idx2: 0 }),
    ];
  }

  /** local.tee of a local of type t (a constant when there is none). */
  localTee(t: ValType, d: number): Instr[] {
    const l = this.localOf(t);
    if (l === undefined) return [this.const(t)];
    return [...this.expr(t, d - 1), I('local.tee', { idx: l })];
  }

  /** A label depth whose label takes no values (any enclosing block, loop or if without results). */
  voidLabel(): number {
    const depths = this.labels
      .map((l, j) => [l, this.labels.length - 1 - j] as const)
      .filter(([l]) => l.length === 0)
      .map(([, k]) => k);
    return depths.length === 0 ? 0 : depths[this.t.pick(depths.length)]!;
  }

  globalOf(t: ValType): number {
    return this.types.indexOf(t);
  }

  stmts(d: number): Instr[] {
    const n = d <= 0 ? 0 : this.t.pick(4);
    const out: Instr[] = [];
    for (let i = 0; i < n; i++) out.push(...this.stmt(d - 1));
    return out;
  }

  stmt(d: number): Instr[] {
    this.nodes++;
    if (this.nodes > 400) return [];
    const c = this.t.pick(16);
    switch (c) {
      case 0:
        return this.setOrDrop(d);
      case 1:
        return this.store(d);
      case 2: {
        const t = this.vt();
        return [...this.expr(t, d), I('global.set', { idx: this.globalOf(t) })];
      }
      case 3: // bounded loop on a fresh counter
        return this.boundedLoop(d);
      case 4: // block with br_if / br out of it
        return this.brIfBlock(d);
      case 5: // br_table over three nested blocks
        return this.brTable(d);
      case 6: // if / else
        return this.ifElse(d);
      case 7: // call anything, drop its results
        return this.callAny(d);
      case 8: // host calls
        return this.hostCall();
      case 9: // bulk memory
        return this.bulkMemory();
      case 10: // trap on purpose (rare: the tape must ask twice)
        return this.t.pick(4) === 0 ? [I('unreachable')] : [];
      case 11: {
        // unbounded loop: only fuel stops it
        if (this.t.pick(6) !== 0) return [];
        return [I('loop', { bt: { kind: 'empty' } }), I('br', { idx: 0 }), I('end')];
      }
      case 12: // tables
        return this.tableOp();
      case 13: // early return
        return this.earlyReturn(d);
      default:
        return [];
    }
  }

  /** A value stored in a local of its type, or dropped. */
  setOrDrop(d: number): Instr[] {
    const t = this.vt();
    const l = this.localOf(t);
    return l === undefined
      ? [...this.expr(t, d), I('drop')]
      : [...this.expr(t, d), I('local.set', { idx: l })];
  }

  /** A store of a generated value at a generated address. */
  store(d: number): Instr[] {
    const t = this.vt();
    const [name, align] = this.t.of(STORES[t]!);
    return [
      ...this.addr(d),
      ...this.expr(t, d),
      I(name, { align: this.t.pick(align + 1), memOffset: this.t.of([0, 0, 1, 8, 65535]) }),
    ];
  }

  /** A bounded loop on a fresh counter. */
  boundedLoop(d: number): Instr[] {
    const ctr = this.newLocal('i32');
    this.labels.push([]);
    const body = this.stmts(d);
    this.labels.pop();
    return [
      I('i32.const', { value: this.t.pick(6) }),
      I('local.set', { idx: ctr }),
      I('loop', { bt: { kind: 'empty' } }),
      ...body,
      I('local.get', { idx: ctr }),
      I('i32.const', { value: 1 }),
      I('i32.sub'),
      I('local.tee', { idx: ctr }),
      I('i32.const', { value: 0 }),
      I('i32.gt_s'),
      I('br_if', { idx: 0 }),
      I('end'),
    ];
  }

  /** A block with br_if / br out of it. */
  brIfBlock(d: number): Instr[] {
    this.labels.push([]);
    const body = [
      ...this.stmts(d),
      ...this.expr('i32', d),
      I('br_if', { idx: this.voidLabel() }),
      ...this.stmts(d),
    ];
    this.labels.pop();
    return [I('block', { bt: { kind: 'empty' } }), ...body, I('end')];
  }

  /** br_table over three nested blocks. */
  brTable(d: number): Instr[] {
    this.labels.push([], [], []);
    const sel = this.expr('i32', d);
    const inner = [
      ...sel,
      I('br_table', { labels: [0, 1, 2].slice(0, 1 + this.t.pick(3)), idx: this.t.pick(3) }),
    ];
    this.labels.pop(); // s1 sits after the innermost block's end
    const s1 = this.stmts(d);
    this.labels.pop();
    const s2 = this.stmts(d);
    this.labels.pop();
    const bt: BlockType = { kind: 'empty' };
    return [
      I('block', { bt }),
      I('block', { bt }),
      I('block', { bt }),
      ...inner,
      I('end'),
      ...s1,
      I('end'),
      ...s2,
      I('end'),
    ];
  }

  /** if / else without values. */
  ifElse(d: number): Instr[] {
    const cond = this.expr('i32', d);
    this.labels.push([]);
    const a = this.stmts(d);
    const b = this.stmts(d);
    this.labels.pop();
    return [
      ...cond,
      I('if', { bt: { kind: 'empty' } }),
      ...a,
      ...(b.length > 0 ? [I('else'), ...b] : []),
      I('end'),
    ];
  }

  /** A call of any function, its results dropped. */
  callAny(d: number): Instr[] {
    if (this.funcs.length === 0) return [];
    const i = this.t.pick(this.funcs.length);
    const f = this.funcs[i]!;
    return [
      ...f.params.flatMap((p) => this.expr(p, d)),
      I('call', { idx: IMPORTS + i }),
      ...f.results.map(() => I('drop')),
    ];
  }

  /** A host call (icn.log or icn.entropy_seed). */
  hostCall(): Instr[] {
    const k = this.t.pick(2);
    if (k === 0)
      return [
        I('i32.const', { value: this.t.of([0, 8, 100, 65530, 65536]) }),
        I('i32.const', { value: this.t.of([0, 1, 5, 16, 100]) }),
        I('call', { idx: 0 }),
      ];
    return [
      I('i32.const', { value: this.t.of([0, 32, 1000, 65504, 65520]) }),
      I('call', { idx: 2 }),
    ];
  }

  /** A bulk memory instruction. */
  bulkMemory(): Instr[] {
    const k = this.t.pick(4);
    const a = (): Instr =>
      I('i32.const', { value: this.t.of([0, 1, 16, 100, 65500, 65536, 70000]) });
    const n = (): Instr => I('i32.const', { value: this.t.of([0, 1, 7, 40, 100, 1000]) });
    if (k === 0)
      return [a(), I('i32.const', { value: this.t.of([0, 0xab, -1]) }), n(), I('memory.fill')];
    if (k === 1) return [a(), a(), n(), I('memory.copy')];
    if (k === 2)
      return [
        a(),
        I('i32.const', { value: this.t.of([0, 2, 5, 9]) }),
        I('i32.const', { value: this.t.of([0, 1, 4, 8]) }),
        I('memory.init', { idx: 1 }),
      ];
    return [I('data.drop', { idx: 1 })];
  }

  /** table.set, table.size or table.grow. */
  tableOp(): Instr[] {
    const k = this.t.pick(3);
    const i = I('i32.const', { value: this.t.pick(this.tableSize + 2) });
    if (k === 0)
      return [
        i,
        this.funcs.length > 0 && this.t.pick(2) === 0
          ? I('ref.func', { idx: IMPORTS + this.t.pick(this.funcs.length) })
          : I('ref.null', { refType: 'funcref' }),
        I('table.set', { idx: 0 }),
      ];
    if (k === 1) return [I('table.size', { idx: 0 }), I('drop')];
    return [
      I('ref.null', { refType: 'funcref' }),
      I('i32.const', { value: this.t.pick(3) }),
      I('table.grow', { idx: 0 }),
      I('drop'),
    ];
  }

  /** An early return (rare). */
  earlyReturn(d: number): Instr[] {
    if (this.t.pick(3) !== 0) return [];
    return [...this.curResults.flatMap((r) => this.expr(r, d)), I('return')];
  }

  curResults: ValType[] = [];
}

/** Build one case from a tape. */
export function generate(xs: readonly number[], profile: GenProfile): GeneratedCase {
  const t = new Tape(xs);
  const g = new Gen(t, profile);
  // fuel first (an exhausted tape means ample fuel): small limits stop runs at every possible charge
  const fuel = BigInt(t.of([100000, 100000, 100000, 20000, 5000, 1000, 500, 100, 50, 10, 5, 1, 0]));
  declareImportsMemoryGlobals(g, t);
  declareFuncsTableData(g, t);
  emitBodies(g, t);
  const m = g.m;
  m.exports.push({ name: 'memory', kind: 'memory', index: 0, offset: 0 });
  for (const id of [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12])
    m.sections.push({ id, offset: 0, contentOffset: 0, size: 0 });

  const main = g.funcs[0]!;
  const args = main.params.map((p) => argOf(p, t));
  return { module: m, profile, invoke: 'f0', args, fuel };
}

/** The three host imports, the one memory (maybe with a maximum) and a global per type. */
function declareImportsMemoryGlobals(g: Gen, t: Tape): void {
  const m = g.m;
  const tLog = g.typeIndex(['i32', 'i32'], []);
  const tTs = g.typeIndex([], ['i64']);
  const tSeed = g.typeIndex(['i32'], []);
  m.imports.push(
    { module: 'icn', name: 'log', desc: { kind: 'func', typeIndex: tLog }, offset: 0 },
    { module: 'icn', name: 'timestamp', desc: { kind: 'func', typeIndex: tTs }, offset: 0 },
    { module: 'icn', name: 'entropy_seed', desc: { kind: 'func', typeIndex: tSeed }, offset: 0 },
  );
  const maxPages = t.of([undefined, 1, 2, 3]);
  m.memories.push({
    type: {
      limits:
        maxPages === undefined
          ? { min: 1, shared: false }
          : { min: 1, max: maxPages, shared: false },
    },
    offset: 0,
  });
  for (const ty of g.types)
    m.globals.push({ type: { type: ty, mutable: true }, init: [g.const(ty)], offset: 0 });
}

/** The functions' signatures, the table and its active segment, and the two data segments. */
function declareFuncsTableData(g: Gen, t: Tape): void {
  const m = g.m;
  const nf = 1 + t.pick(4);
  for (let i = 0; i < nf; i++) {
    const params = Array.from({ length: t.pick(4) }, () => g.vt());
    const results = Array.from({ length: t.pick(3) }, () => g.vt());
    g.funcs.push({ params, results, typeIndex: g.typeIndex(params, results) });
  }
  g.tableSize = nf + t.pick(3);
  m.tables.push({
    type: {
      elem: 'funcref',
      limits: { min: g.tableSize, max: g.tableSize + t.pick(4), shared: false },
    },
    offset: 0,
  });
  const order = g.funcs.map((_, i) => IMPORTS + ((i + t.pick(nf)) % nf));
  m.elems.push({
    flags: 0,
    mode: 'active',
    table: 0,
    offsetExpr: [I('i32.const', { value: 0 })],
    type: 'funcref',
    funcs: order,
    offset: 0,
  });
  m.datas.push({
    flags: 0,
    mode: 'active',
    memory: 0,
    offsetExpr: [I('i32.const', { value: t.of([0, 16, 65530]) })],
    bytes: new Uint8Array([1, 2, 3, 4, 5, 6]),
    offset: 0,
  });
  m.datas.push({
    flags: 1,
    mode: 'passive',
    memory: 0,
    bytes: new Uint8Array([9, 8, 7, 6, 5, 4, 3, 2, 1]),
    offset: 0,
  });
  m.dataCount = 2;
}

/** Each function's locals and body (statements, then its results), and its export. */
function emitBodies(g: Gen, t: Tape): void {
  const m = g.m;
  g.funcs.forEach((f, i) => {
    m.funcs.push(f.typeIndex);
    g.locals = [...f.params];
    for (let k = t.pick(4); k > 0; k--) g.locals.push(g.vt());
    g.labels = [f.results];
    g.curResults = f.results;
    g.nodes = 0;
    const depth = 2 + t.pick(3);
    const body = [...g.stmts(depth), ...f.results.flatMap((r) => g.expr(r, depth))];
    const declared = g.locals.slice(f.params.length);
    m.codes.push({
      locals: declared.map((type) => ({ count: 1, type })),
      body,
      offset: 0,
      bodyOffset: 0,
      size: 0,
    });
    m.exports.push({ name: `f${i}`, kind: 'func', index: IMPORTS + i, offset: 0 });
  });
}

function argOf(p: ValType, t: Tape): string {
  switch (p) {
    case 'i32':
      return `i32:0x${(t.of(I32_EDGE) >>> 0).toString(16)}`;
    case 'i64':
      return `i64:0x${BigInt.asUintN(64, t.of(I64_EDGE)).toString(16)}`;
    case 'f32':
      return `f32:0x${t.of(F32_EDGE).toString(16)}`;
    default:
      return `f64:0x${t.of(F64_EDGE).toString(16)}`;
  }
}
