/**
 * The instrumenter: a binary rewriter that turns a module valid for `dc` / `dc-float` into one whose
 * execution on V8 is deterministic. The instrumented module is the specification: fuel, stack
 * depth, memory growth and NaN bits are decided by the bytecode we insert, never by V8's tier, CPU
 * or version. See docs/deterministic-core.md for the ABI and the exact rules.
 *
 * - fuel: each metered segment (a straight-line run that ends at a branch, a block boundary, a call
 *   or an instruction that may trap) is charged before it runs; a charge never covers an
 *   instruction after a possible trap. Bulk operations are charged by length after their bounds
 *   check. Out of fuel: `__icn_trap = 1`, `unreachable`; the failing charge is not deducted.
 * - stack: on function entry the frame's slots (params + locals + max operand height + overhead)
 *   are taken from `__icn_stack`; returned on exit. Short: `__icn_trap = 2`, `unreachable`.
 * - memory: the maximum is capped to the profile limit; a memory.grow that fails below the cap
 *   sets `__icn_trap = 3` (a harness fault, never a guest result).
 * - dc-float: every NaN-producing float op is followed by a branchless canonicalization.
 */
import { IcnError } from '../../errors.js';
import { I64_MAX } from '../../int-limits.js';
import { bytesHash, DOMAIN, type Hash } from '../../hash/index.js';
import { encodeModule } from '../binary/encode.js';
import { OP, opInfo } from '../binary/opcodes.js';
import type {
  BlockType,
  Expr,
  FuncType,
  Instr,
  RefType,
  ValType,
  WasmModule,
} from '../binary/types.js';
import { bulkCost, costTableHash, opCost, type CostTable } from '../cost-table.js';
import { getProfile, profileHash, type Profile, type ProfileName } from '../profiles.js';
import {
  validateDecoded,
  validateDetailed,
  type FuncFacts,
  type Violation,
} from '../validate/validate.js';
import { decodeModule } from '../binary/decode.js';
import {
  makesCalls,
  planLoops,
  stackEpilogue,
  stackPrologue,
  type ChargeMark,
  type PlanContext,
} from './plan.js';
import {
  fitsConvention,
  internalCall,
  internalPrologue,
  internalType,
  publishDepth,
  toInternalLayout,
  wrapperBody,
} from './convention.js';

/** Values of `__icn_trap`. */
export const ICN_TRAP = {
  none: 0,
  outOfFuel: 1,
  stackExhausted: 2,
  growFailed: 3,
  bulkLimit: 4,
  nanConversion: 5,
} as const;

/** Trapping float-to-int conversions → operand type. V8 traps NaN and overflow with one message. */
const TRUNC_OPERAND: Readonly<Record<number, 'f32' | 'f64'>> = {
  0xa8: 'f32',
  0xa9: 'f32',
  0xaa: 'f64',
  0xab: 'f64',
  0xae: 'f32',
  0xaf: 'f32',
  0xb0: 'f64',
  0xb1: 'f64',
};

export const ICN_EXPORTS = {
  fuel: '__icn_fuel',
  trap: '__icn_trap',
  stack: '__icn_stack',
  memory: '__icn_memory',
  limit: '__icn_limit',
} as const;

/**
 * Values of the diagnostic `__icn_limit` global (exported only by modules that use memory.grow): 1 when
 * a memory.grow returned -1 because of the profile's page cap (raw would have grown). It changes
 * no result; the executor reports it in the result's volatile `limits` field.
 */
export const ICN_LIMIT = { none: 0, memoryCap: 1 } as const;

export const CANONICAL_NAN_F32 = 0x7fc00000;
export const CANONICAL_NAN_F64 = 0x7ff8000000000000n;

export class WasmProfileError extends IcnError {
  override readonly name = 'WasmProfileError';
  constructor(
    readonly profile: string,
    readonly violations: Violation[],
  ) {
    super(
      'WASM_PROFILE_VIOLATION',
      `module is not valid for profile ${profile}: ${violations.length} violation(s), first: ${violations[0]?.code} at byte ${violations[0]?.offset}: ${violations[0]?.detail}`,
      { profile, count: violations.length },
    );
  }
}

export interface InstrumentOptions {
  /** Fuel the module starts with (pays for the start function). Default: the profile's limits.initialFuel. */
  initialFuel?: bigint;
  /** false: the plain per-segment placement (the reference the planned placement is tested against). */
  plan?: boolean;
  /** false: the planned placement without the in-bounds proofs of bounds.ts (for the benchmark). */
  bounds?: boolean;
}

export interface InstrumentStats {
  functions: number;
  fuelCharges: number;
  nanCanonicalizations: number;
  helpers: number;
}

export interface InstrumentResult {
  bytes: Uint8Array;
  profile: ProfileName;
  profileHash: Hash;
  costTableHash: Hash;
  /** bytesHash(DOMAIN.wasmModule, input) and of the output. */
  inputHash: Hash;
  outputHash: Hash;
  stats: InstrumentStats;
}

const I = (name: string, fields: Partial<Instr> = {}): Instr => ({
  op: OP(name),
  offset: -1,
  ...fields,
});

/** Build state shared by all function rewrites of one module. */
class Builder {
  readonly types: FuncType[];
  readonly importedFuncs: number;
  readonly importedGlobals: number;
  readonly gFuel: number;
  readonly gTrap: number;
  readonly gStack: number;
  /** The diagnostic __icn_limit global, created with the memory.grow helper. */
  gLimit: number | undefined;
  readonly newGlobals: WasmModule['globals'] = [];
  readonly newFuncs: { type: number; locals: ValType[]; body: Expr }[] = [];
  readonly helperCache = new Map<string, number>();
  readonly dataLen = new Map<number, number>();
  readonly elemLen = new Map<number, number>();
  /** Every charge sequence emitted, by its first instruction (plan.ts finds them again). */
  readonly chargeMarks = new Map<Instr, ChargeMark>();
  /** Function index → its internal version's index (convention.ts), for functions that have one. */
  readonly internals = new Map<number, number>();
  stats: InstrumentStats = { functions: 0, fuelCharges: 0, nanCanonicalizations: 0, helpers: 0 };

  /** Drop write-backs before accesses proven in bounds (bounds.ts)? */
  bounds = true;
  constructor(
    readonly m: WasmModule,
    readonly p: Profile,
    readonly cost: CostTable,
    initialFuel: bigint,
    readonly plan: boolean,
  ) {
    this.types = m.types;
    this.importedFuncs = m.imports.filter((i) => i.desc.kind === 'func').length;
    this.importedGlobals = m.imports.filter((i) => i.desc.kind === 'global').length;
    const base = this.importedGlobals + m.globals.length;
    this.gFuel = this.global('i64', I('i64.const', { value: initialFuel }));
    this.gTrap = this.global('i32', I('i32.const', { value: 0 }));
    this.gStack = this.global('i32', I('i32.const', { value: p.limits!.maxStackSlots }));
    if (this.gFuel !== base) throw new Error('global index bookkeeping');
  }

  global(type: ValType, init: Instr): number {
    this.newGlobals.push({ type: { type, mutable: true }, init: [init], offset: -1 });
    return this.importedGlobals + this.m.globals.length + this.newGlobals.length - 1;
  }

  typeIndex(params: ValType[], results: ValType[]): number {
    const same = (a: ValType[], b: ValType[]): boolean =>
      a.length === b.length && a.every((t, i) => t === b[i]);
    const i = this.types.findIndex((t) => same(t.params, params) && same(t.results, results));
    if (i >= 0) return i;
    this.types.push({ params, results });
    return this.types.length - 1;
  }

  blockType(results: ValType[]): BlockType {
    if (results.length === 0) return { kind: 'empty' };
    if (results.length === 1) return { kind: 'val', type: results[0]! };
    return { kind: 'type', index: this.typeIndex([], results) };
  }

  /** Trap with an __icn_trap code: `i32.const code; global.set trap; unreachable`. */
  trap(code: number): Instr[] {
    return [
      I('i32.const', { value: code }),
      I('global.set', { idx: this.gTrap }),
      I('unreachable'),
    ];
  }

  /**
   * Charge a static amount (cost > 0) from the function's cached fuel local `fl`. Short: the
   * (undeducted) fuel is written back to the global, then `__icn_trap = 1`.
   */
  charge(cost: number, fl: number): Instr[] {
    this.stats.fuelCharges++;
    const seq = [
      I('local.get', { idx: fl }),
      I('i64.const', { value: BigInt(cost) }),
      I('i64.lt_u'),
      I('if', { bt: { kind: 'empty' } }),
      ...this.flush(fl),
      ...this.trap(ICN_TRAP.outOfFuel),
      I('end'),
      I('local.get', { idx: fl }),
      I('i64.const', { value: BigInt(cost) }),
      I('i64.sub'),
      I('local.set', { idx: fl }),
    ];
    this.chargeMarks.set(seq[0]!, { cost, len: seq.length });
    return seq;
  }

  /** Write the cached fuel back to `__icn_fuel` (before anything that may trap or call). */
  flush(fl: number): Instr[] {
    return [I('local.get', { idx: fl }), I('global.set', { idx: this.gFuel })];
  }

  /** Re-read `__icn_fuel` into the cache (at entry and after a call, which charged the global). */
  reload(fl: number): Instr[] {
    return [I('global.get', { idx: this.gFuel }), I('local.set', { idx: fl })];
  }

  /** Charge a dynamic amount: the i64 `amount` instructions leave the (non-negative) cost on the stack. */
  chargeDynamic(amount: Instr[], tmp: number): Instr[] {
    return [
      I('global.get', { idx: this.gFuel }),
      ...amount,
      I('i64.sub'),
      I('local.tee', { idx: tmp }),
      I('i64.const', { value: 0n }),
      I('i64.lt_s'),
      I('if', { bt: { kind: 'empty' } }),
      ...this.trap(ICN_TRAP.outOfFuel),
      I('end'),
      I('local.get', { idx: tmp }),
      I('global.set', { idx: this.gFuel }),
    ];
  }

  addHelper(
    key: string,
    params: ValType[],
    results: ValType[],
    locals: ValType[],
    body: Expr,
  ): number {
    const have = this.helperCache.get(key);
    if (have !== undefined) return have;
    const idx = this.importedFuncs + this.m.funcs.length + this.newFuncs.length;
    this.newFuncs.push({ type: this.typeIndex(params, results), locals, body });
    this.helperCache.set(key, idx);
    this.stats.helpers++;
    return idx;
  }

  /** memory.grow wrapper: a failure below the effective maximum is a harness fault (__icn_trap = 3). */
  growHelper(): number {
    // the effective maximum: the declared one, capped to the profile limit (see instrumentModule)
    const declared = this.m.memories[0]?.type.limits.max;
    const limit = this.p.limits!.maxMemoryPages;
    const cap = BigInt(declared === undefined ? limit : Math.min(declared, limit));
    // past the inner check the grow is refused by the cap; say so when the cap is the profile's
    const profileCap = declared === undefined || declared > limit;
    if (profileCap) this.gLimit ??= this.global('i32', I('i32.const', { value: ICN_LIMIT.none }));
    const note = profileCap
      ? [I('i32.const', { value: ICN_LIMIT.memoryCap }), I('global.set', { idx: this.gLimit! })]
      : [];
    return this.addHelper(
      'memory.grow',
      ['i32'],
      ['i32'],
      ['i32'],
      [
        I('local.get', { idx: 0 }),
        I('memory.grow'),
        I('local.tee', { idx: 1 }),
        I('i32.const', { value: -1 }),
        I('i32.eq'),
        I('if', { bt: { kind: 'empty' } }),
        I('memory.size'),
        I('i64.extend_i32_u'),
        I('local.get', { idx: 0 }),
        I('i64.extend_i32_u'),
        I('i64.add'),
        I('i64.const', { value: cap }),
        I('i64.le_u'),
        I('if', { bt: { kind: 'empty' } }),
        ...this.trap(ICN_TRAP.growFailed),
        I('end'),
        ...note,
        I('end'),
        I('local.get', { idx: 1 }),
      ],
    );
  }

  /**
   * A bulk operation as a helper (params d/i, s/val, n as locals 0, 1, 2): bounds checks first
   * (out of bounds → run the real instruction, which traps, with nothing charged), then the
   * dynamic length limit (memory ops), then the length charge, then the operation.
   */
  bulkHelper(ins: Instr): number {
    const info = opInfo(ins.op)!;
    const name = info.name;
    const key = `${name}:${ins.idx ?? ''}:${ins.idx2 ?? ''}`;
    const have = this.helperCache.get(key);
    if (have !== undefined) return have;
    const ext = (e: Instr[]): Instr[] => [...e, I('i64.extend_i32_u')];
    const memLimit = [
      I('memory.size'),
      I('i64.extend_i32_u'),
      I('i64.const', { value: 16n }),
      I('i64.shl'),
    ];
    const tableLimit = (t: number): Instr[] => ext([I('table.size', { idx: t })]);
    let params: ValType[] = ['i32', 'i32', 'i32'];
    // [base local, limit (i64)] pairs: base + n must not exceed limit.
    let checks: [number, Instr[]][];
    switch (name) {
      case 'memory.fill':
        checks = [[0, memLimit]];
        break;
      case 'memory.copy':
        checks = [
          [0, memLimit],
          [1, memLimit],
        ];
        break;
      case 'memory.init':
        checks = [
          [0, memLimit],
          [1, ext([I('global.get', { idx: this.dataLenGlobal(ins.idx!) })])],
        ];
        break;
      case 'table.fill': {
        const t = ins.idx!;
        params = ['i32', this.tableElem(t), 'i32'];
        checks = [[0, tableLimit(t)]];
        break;
      }
      case 'table.copy':
        checks = [
          [0, tableLimit(ins.idx!)],
          [1, tableLimit(ins.idx2!)],
        ];
        break;
      case 'table.init':
        checks = [
          [0, tableLimit(ins.idx2!)],
          [1, ext([I('global.get', { idx: this.elemLenGlobal(ins.idx!) })])],
        ];
        break;
      default:
        throw new Error(`not a bulk op: ${name}`);
    }
    const real = [
      I('local.get', { idx: 0 }),
      I('local.get', { idx: 1 }),
      I('local.get', { idx: 2 }),
      { ...ins, offset: -1 },
    ];
    const n64 = [I('local.get', { idx: 2 }), I('i64.extend_i32_u')];
    const body: Instr[] = [];
    checks.forEach(([base, limit], k) => {
      body.push(
        I('local.get', { idx: base }),
        I('i64.extend_i32_u'),
        ...n64,
        I('i64.add'),
        ...limit,
        I('i64.gt_u'),
      );
      if (k > 0) body.push(I('i32.or'));
    });
    body.push(I('if', { bt: { kind: 'empty' } }), ...real, I('return'), I('end'));
    if (name.startsWith('memory.')) {
      body.push(
        I('local.get', { idx: 2 }),
        I('i32.const', { value: this.p.limits!.maxBulkBytes }),
        I('i32.gt_u'),
        I('if', { bt: { kind: 'empty' } }),
        ...this.trap(ICN_TRAP.bulkLimit),
        I('end'),
      );
    }
    const per = bulkCost(this.cost, ins.op)!.perUnit;
    body.push(
      ...this.chargeDynamic(
        per === 1 ? n64 : [...n64, I('i64.const', { value: BigInt(per) }), I('i64.mul')],
        3,
      ),
    );
    body.push(...real);
    return this.addHelper(key, params, [], ['i64'], body);
  }

  tableElem(t: number): RefType {
    const imported = this.m.imports.flatMap((i) => (i.desc.kind === 'table' ? [i.desc.table] : []));
    return [...imported, ...this.m.tables.map((x) => x.type)][t]?.elem ?? 'funcref';
  }

  /** Global holding a data segment's current length for memory.init (0 once dropped; active segments start dropped). */
  dataLenGlobal(k: number): number {
    let g = this.dataLen.get(k);
    if (g === undefined) {
      const d = this.m.datas[k]!;
      g = this.global('i32', I('i32.const', { value: d.mode === 'passive' ? d.bytes.length : 0 }));
      this.dataLen.set(k, g);
    }
    return g;
  }

  elemLenGlobal(k: number): number {
    let g = this.elemLen.get(k);
    if (g === undefined) {
      const e = this.m.elems[k]!;
      const len = e.funcs?.length ?? e.exprs?.length ?? 0;
      g = this.global('i32', I('i32.const', { value: e.mode === 'passive' ? len : 0 }));
      this.elemLen.set(k, g);
    }
    return g;
  }
}

const CONTROL = new Set([
  'block',
  'loop',
  'if',
  'else',
  'end',
  'br',
  'br_if',
  'br_table',
  'return',
  'unreachable',
  'call',
  'call_indirect',
  'memory.grow',
  'table.grow',
]);
const BULK = new Set([
  'memory.fill',
  'memory.copy',
  'memory.init',
  'table.fill',
  'table.copy',
  'table.init',
]);

/** Does a metered segment end after this instruction? (branch, block boundary, call, possible trap) */
export function endsSegment(op: number): boolean {
  const info = opInfo(op)!;
  return info.trap || CONTROL.has(info.name);
}

/** Metered segments: the index of the instruction each starts at -> its cost (charged before it). */
function segmentCharges(b: Builder, body: Expr): Map<number, number> {
  const charges = new Map<number, number>();
  let segStart = 0;
  let cost = 0;
  body.forEach((ins, i) => {
    cost += opCost(b.cost, ins.op);
    if (endsSegment(ins.op)) {
      if (cost > 0) charges.set(segStart, cost);
      segStart = i + 1;
      cost = 0;
    }
  });
  if (cost > 0) charges.set(segStart, cost);
  return charges;
}

/** The locals a rewritten function adds, in first-use order (which fixes their indices). */
class AddedLocals {
  private f32 = -1;
  private f64 = -1;
  constructor(
    readonly locals: ValType[],
    private readonly first: number,
  ) {}
  add(t: ValType): number {
    this.locals.push(t);
    return this.first + this.locals.length - 1;
  }
  /** The one scratch local of a float type, added on first use. */
  float(t: 'f32' | 'f64'): number {
    if (t === 'f32') return this.f32 < 0 ? (this.f32 = this.add('f32')) : this.f32;
    return this.f64 < 0 ? (this.f64 = this.add('f64')) : this.f64;
  }
}

/** What emitting one instruction needs of its function. */
interface EmitState {
  added: AddedLocals;
  fl: number;
  tmp32: number;
  depth: number;
}

// NaN is `invalid_conversion` (__icn_trap = 5) before V8 sees it: V8's own trap then only ever
// means the spec's "integer overflow"
function nanConversionCheck(b: Builder, t: 'f32' | 'f64', tmp: number): Instr[] {
  return [
    I('local.tee', { idx: tmp }),
    I('local.get', { idx: tmp }),
    I('local.get', { idx: tmp }),
    I(`${t}.ne`),
    I('if', { bt: { kind: 'empty' } }),
    ...b.trap(ICN_TRAP.nanConversion),
    I('end'),
  ];
}

/** Replaces a NaN result on the stack by the canonical NaN of its type. */
function canonicalizeNan(t: 'f32' | 'f64', tmp: number): Instr[] {
  return [
    I('local.tee', { idx: tmp }),
    I(`${t}.const`, { value: t === 'f32' ? CANONICAL_NAN_F32 : CANONICAL_NAN_F64 }),
    I('local.get', { idx: tmp }),
    I('local.get', { idx: tmp }),
    I(`${t}.eq`),
    I('select'),
  ];
}

/** An instruction that is neither a call, a return nor memory.grow, with its guards. */
function emitPlain(b: Builder, added: AddedLocals, ins: Instr, out: Instr[]): void {
  const info = opInfo(ins.op)!;
  const truncOf = TRUNC_OPERAND[ins.op];
  if (truncOf !== undefined) out.push(...nanConversionCheck(b, truncOf, added.float(truncOf)));
  out.push(ins);
  if (info.name === 'data.drop' && b.m.datas[ins.idx!] !== undefined)
    out.push(I('i32.const', { value: 0 }), I('global.set', { idx: b.dataLenGlobal(ins.idx!) }));
  if (info.name === 'elem.drop' && b.m.elems[ins.idx!] !== undefined)
    out.push(I('i32.const', { value: 0 }), I('global.set', { idx: b.elemLenGlobal(ins.idx!) }));
  if (b.p.nanCanonicalization && info.nan !== undefined) {
    b.stats.nanCanonicalizations++;
    out.push(...canonicalizeNan(info.nan, added.float(info.nan)));
  }
}

/** One instruction of the body: fuel written back before what may trap or call, re-read after. */
function emitInstr(b: Builder, s: EmitState, ins: Instr, out: Instr[]): void {
  const info = opInfo(ins.op)!;
  const name = info.name;
  const calls = name === 'call' || name === 'call_indirect' || BULK.has(name);
  const callee = name === 'call' ? b.internals.get(ins.idx!) : undefined;
  if (callee !== undefined) return void out.push(...internalCall(callee, s.fl, s.tmp32));
  if (b.plan && (name === 'call' || name === 'call_indirect'))
    out.push(...publishDepth(s.tmp32, b.gStack));
  if (info.trap || calls || name === 'memory.grow') out.push(...b.flush(s.fl));
  if (name === 'return') out.push(I('br', { idx: s.depth }));
  else if (name === 'memory.grow') out.push(I('call', { idx: b.growHelper() }));
  else if (BULK.has(name)) out.push(I('call', { idx: b.bulkHelper(ins) }));
  else emitPlain(b, s.added, ins, out);
  if (calls) out.push(...b.reload(s.fl));
}

// stack prologue: take the frame's slots or trap stack_exhausted (a leaf only checks: plan.ts)
function prologue(b: Builder, internal: boolean, leaf: boolean, s: EmitState, frame: number) {
  if (internal)
    return internalPrologue(s.tmp32, frame, [...b.flush(s.fl), ...b.trap(ICN_TRAP.stackExhausted)]);
  const check = b.trap(ICN_TRAP.stackExhausted);
  return [...stackPrologue(b.gStack, s.tmp32, frame, leaf, check), ...b.reload(s.fl)];
}

function rewriteFunction(
  b: Builder,
  fnIndex: number,
  type: FuncType,
  localsIn: ValType[],
  body: Expr,
  facts: FuncFacts,
): { locals: ValType[]; body: Expr } {
  const added = new AddedLocals([...localsIn], type.params.length);
  // the fuel counter is cached in a local: registers in the hot path, written back to the global
  // before every instruction that may trap or call and at exit, re-read after calls
  const s: EmitState = { added, fl: added.add('i64'), tmp32: added.add('i32'), depth: 0 };
  const frame = facts.localSlots + facts.maxHeight + b.p.limits!.frameOverheadSlots;
  const charges = segmentCharges(b, body);
  const leaf = b.plan && !makesCalls(body);
  const internal = b.internals.has(fnIndex);
  const out: Instr[] = prologue(b, internal, leaf, s, frame);
  out.push(I('block', { bt: b.blockType(type.results) }));
  body.forEach((ins, i) => {
    const c = charges.get(i);
    if (c !== undefined) out.push(...b.charge(c, s.fl));
    emitInstr(b, s, ins, out);
    const name = opInfo(ins.op)!.name;
    if (name === 'block' || name === 'loop' || name === 'if') s.depth++;
    else if (name === 'end') s.depth--;
  });
  const last = charges.get(body.length);
  if (last !== undefined) out.push(...b.charge(last, s.fl));
  out.push(I('end'));
  // an internal function returns its fuel; others write it back and give the frame's slots back
  if (internal) out.push(I('local.get', { idx: s.fl }));
  else out.push(...b.flush(s.fl), ...stackEpilogue(b.gStack, frame, leaf));
  b.stats.functions++;
  if (!b.plan) return { locals: added.locals, body: out };
  return {
    locals: added.locals,
    body: planLoops(
      out,
      planContext(b, s.fl, (t) => added.add(t)),
    ),
  };
}

function planContext(b: Builder, fl: number, addLocal: (t: 'i32' | 'i64') => number): PlanContext {
  const hasParams = (bt: BlockType): boolean =>
    bt.kind === 'type' && b.types[bt.index]!.params.length > 0;
  const arity = (bt: BlockType, loop: boolean): number => {
    if (bt.kind !== 'type') return loop || bt.kind === 'empty' ? 0 : 1;
    const t = b.types[bt.index]!;
    return loop ? t.params.length : t.results.length;
  };
  return { fl, gFuel: b.gFuel, marks: b.chargeMarks, hasParams, arity, addLocal, bounds: b.bounds };
}

/** Reserve an internal version (placed first among the new functions) for every defined function that fits. */
function reserveInternals(b: Builder, origTypes: FuncType[]): void {
  b.m.codes.forEach((_, i) => {
    const t = origTypes[b.m.funcs[i]!]!;
    if (!fitsConvention(t.params, t.results)) return;
    const [params, results] = internalType(t.params, t.results);
    b.internals.set(b.importedFuncs + i, b.importedFuncs + b.m.funcs.length + b.newFuncs.length);
    b.newFuncs.push({ type: b.typeIndex(params, results), locals: [], body: [] });
  });
}

function compressLocals(ts: ValType[]): { count: number; type: ValType }[] {
  const out: { count: number; type: ValType }[] = [];
  for (const t of ts) {
    const last = out[out.length - 1];
    if (last && last.type === t) last.count++;
    else out.push({ count: 1, type: t });
  }
  return out;
}

/**
 * Instrument a module for `dc` or `dc-float`. Throws WasmProfileError (WASM_PROFILE_VIOLATION, with
 * every violation) when the module is not valid for the profile; `raw` is never instrumented.
 */
export function instrumentModule(
  bytes: Uint8Array,
  profileName: ProfileName,
  opts: InstrumentOptions = {},
): InstrumentResult {
  const r = instrumentOrReject(bytes, profileName, opts);
  if ('violations' in r) throw new WasmProfileError(profileName, r.violations);
  return r;
}

/**
 * instrumentModule, with a module the profile refuses returned as its violations instead of
 * thrown: a caller that expects many refusals (the .wast runner) builds no error for each.
 */
export function instrumentOrReject(
  bytes: Uint8Array,
  profileName: ProfileName,
  opts: InstrumentOptions = {},
): InstrumentResult | { violations: Violation[] } {
  const p = getProfile(profileName);
  if (!p.instrumented)
    throw new IcnError(
      'WASM_NOT_INSTRUMENTED',
      `profile ${profileName} runs modules as they are; only dc and dc-float are instrumented`,
      { profile: profileName },
    );
  const v = validateDetailed(bytes, profileName);
  if (!v.ok || v.module === undefined) return { violations: v.violations };
  const m = v.module;
  const L = p.limits!;
  const cost = p.costTable!;
  const initialFuel = opts.initialFuel ?? BigInt(L.initialFuel);
  if (initialFuel < 0n || initialFuel > I64_MAX)
    throw new IcnError('WASM_FUEL_RANGE', `initial fuel ${initialFuel} is outside 0..2^63-1`);

  const b = new Builder(m, p, cost, initialFuel, opts.plan ?? true);
  b.bounds = opts.bounds ?? true;
  const importedFuncTypes = m.imports.flatMap((i) =>
    i.desc.kind === 'func' ? [m.types[i.desc.typeIndex]!] : [],
  );
  const origTypes = m.types.map((t) => ({ params: [...t.params], results: [...t.results] }));
  void importedFuncTypes;
  if (b.plan) reserveInternals(b, origTypes);
  const newCodes = m.codes.map((code, i) => {
    const type = origTypes[m.funcs[i]!]!;
    const locals = code.locals.flatMap((g) => Array<ValType>(g.count).fill(g.type));
    const r = rewriteFunction(b, b.importedFuncs + i, type, locals, code.body, v.funcs[i]!);
    const fi = b.internals.get(b.importedFuncs + i);
    if (fi === undefined) return { ...code, locals: compressLocals(r.locals), body: r.body };
    // F's index keeps a wrapper; the rewritten body is F' (convention.ts)
    const slot = b.newFuncs[fi - b.importedFuncs - m.funcs.length]!;
    Object.assign(slot, toInternalLayout(r.body, r.locals, type.params.length, locals.length));
    return {
      ...code,
      locals: compressLocals(['i32']),
      body: wrapperBody(type.params.length, fi, b.gFuel, b.gStack),
    };
  });
  for (const h of b.newFuncs) {
    m.funcs.push(h.type);
    newCodes.push({
      locals: compressLocals(h.locals),
      body: h.body,
      offset: -1,
      bodyOffset: -1,
      size: 0,
    });
  }
  m.codes = newCodes;
  m.globals.push(...b.newGlobals);

  // memory and tables: cap the maxima to the profile limits
  for (const mem of m.memories) {
    const l = mem.type.limits;
    l.max = l.max === undefined ? L.maxMemoryPages : Math.min(l.max, L.maxMemoryPages);
  }
  for (const t of m.tables) {
    const l = t.type.limits;
    l.max = l.max === undefined ? L.maxTableElements : Math.min(l.max, L.maxTableElements);
  }

  m.exports.push(
    { name: ICN_EXPORTS.fuel, kind: 'global', index: b.gFuel, offset: -1 },
    { name: ICN_EXPORTS.trap, kind: 'global', index: b.gTrap, offset: -1 },
    { name: ICN_EXPORTS.stack, kind: 'global', index: b.gStack, offset: -1 },
  );
  if (m.memories.length > 0)
    m.exports.push({ name: ICN_EXPORTS.memory, kind: 'memory', index: 0, offset: -1 });
  if (b.gLimit !== undefined)
    m.exports.push({ name: ICN_EXPORTS.limit, kind: 'global', index: b.gLimit, offset: -1 });
  // Sections that were absent may now be needed (types, globals, exports): mark them present.
  for (const id of [1, 3, 6, 7, 10])
    if (!m.sections.some((s) => s.id === id))
      m.sections.push({ id, offset: -1, contentOffset: -1, size: 0 });

  const out = encodeModule(m);
  return {
    bytes: out,
    profile: profileName,
    profileHash: profileHash(profileName),
    costTableHash: costTableHash(cost),
    inputHash: bytesHash(DOMAIN.wasmModule, bytes),
    outputHash: bytesHash(DOMAIN.wasmModule, out),
    stats: b.stats,
  };
}

/** Check an instrumented module with our own validator (spec typing; the __icn_ exports are ours). */
export function validateInstrumented(bytes: Uint8Array): Violation[] {
  return validateDecoded(decodeModule(bytes), 'raw').violations;
}
