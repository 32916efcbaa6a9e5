/**
 * The validator: the spec's type checking for our pinned feature set, plus the profile rules.
 * Returns every violation `{code, offset, function?, detail}` (codes are stable; see
 * docs/deterministic-core.md), not only the first: module-level checks and profile rules all run;
 * type checking of a function stops at that function's first type error (later errors in the same
 * function would be consequences of it).
 *
 * It also computes the facts the instrumenter needs (maximum operand height per function).
 */
import { decodeModule, unreadBody, unreadDatas, WasmDecodeError } from '../binary/decode.js';
import type { ViolationCode } from '../errors.js';
import { OP, opInfo, parseSig, type OpInfo } from '../binary/opcodes.js';
import {
  isFloatType,
  isRefType,
  type BlockType,
  type Expr,
  type FuncBody,
  type FuncType,
  type GlobalType,
  type Import,
  type Instr,
  type Limits,
  type RefType,
  type TableType,
  type ValType,
  type WasmModule,
} from '../binary/types.js';
import { getProfile, type Profile, type ProfileName } from '../profiles.js';
import { BodyChecker, type ModuleShape, type ProfileHook } from './body.js';
import { DataChecker } from './data.js';
import { codeOf, codesOf } from './op-table.js';
import { checkV8Limits, V8_LIMITS } from './v8-limits.js';

const OP_MEMORY_INIT = OP('memory.init');
const OP_DATA_DROP = OP('data.drop');

export interface Violation {
  code: ViolationCode;
  offset: number;
  /** Function index (in the function index space, imports first) when the violation is inside a body. */
  function?: number;
  detail: string;
}

export interface FuncFacts {
  /** Maximum operand stack height in slots (v128 counts 2). */
  maxHeight: number;
  /** Params + declared locals in slots. */
  localSlots: number;
  maxNesting: number;
}

export interface ValidationResult {
  ok: boolean;
  profile: ProfileName;
  violations: Violation[];
}

export interface DetailedValidation extends ValidationResult {
  module?: WasmModule;
  /** Facts per defined function (index i = code i). */
  funcs: FuncFacts[];
}

const MAX_PAGES = 65_536;

type V = ValType | 'unknown';

interface Frame {
  kind: 'block' | 'loop' | 'if' | 'else' | 'func';
  start: ValType[];
  end: ValType[];
  height: number;
  unreachable: boolean;
}

class TypeError_ extends Error {}
/** Thrown to stop checking a body at its first type error: one instance, no stack captured per throw. */
const STOP = new TypeError_();

const slots = (t: V): number => (t === 'v128' ? 2 : 1);

interface Ctx {
  m: WasmModule;
  p: Profile;
  out: Violation[];
  funcTypes: (FuncType | undefined)[];
  tables: TableType[];
  memCount: number;
  globals: GlobalType[];
  importedGlobals: number;
  /** Functions that may be referenced by ref.func in bodies (C.refs). */
  refs: Set<number>;
}

function sameTypes(a: readonly ValType[], b: readonly ValType[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

function fmt(ts: readonly V[]): string {
  return `[${ts.join(' ')}]`;
}

function checkLimits(c: Ctx, l: Limits, bound: number, what: string, offset: number): void {
  if (l.min > bound)
    c.out.push({
      code: what === 'memory' ? 'memory_size_limit' : 'table_size_limit',
      offset,
      detail: `${what} minimum ${l.min} exceeds ${bound}`,
    });
  if (l.max !== undefined && l.max > bound)
    c.out.push({
      code: what === 'memory' ? 'memory_size_limit' : 'table_size_limit',
      offset,
      detail: `${what} maximum ${l.max} exceeds ${bound}`,
    });
  if (l.max !== undefined && l.min > l.max)
    c.out.push({
      code: 'size_minimum_greater_than_maximum',
      offset,
      detail: `${what} minimum ${l.min} is greater than its maximum ${l.max}`,
    });
  if (l.shared && l.max === undefined)
    c.out.push({
      code: 'shared_memory_must_have_maximum',
      offset,
      detail: 'shared memory needs a maximum',
    });
}

function blockSig(c: Ctx, bt: BlockType, offset: number, fn: number): FuncType {
  if (bt.kind === 'empty') return { params: [], results: [] };
  if (bt.kind === 'val') return { params: [], results: [bt.type] };
  const t = c.m.types[bt.index];
  if (t === undefined) {
    c.out.push({
      code: 'unknown_type',
      offset,
      function: fn,
      detail: `block type ${bt.index} does not exist`,
    });
    throw STOP;
  }
  return t;
}

/** Type-check one constant expression (global init, segment offset, element expression). */
function constExpr(
  c: Ctx,
  e: Expr,
  want: ValType,
  where: string,
  offset: number,
  globalLimit: number,
): void {
  const stack: ValType[] = [];
  for (const ins of e) {
    const info = opInfo(ins.op)!;
    switch (info.name) {
      case 'i32.const':
        stack.push('i32');
        break;
      case 'i64.const':
        stack.push('i64');
        break;
      case 'f32.const':
        stack.push('f32');
        break;
      case 'f64.const':
        stack.push('f64');
        break;
      case 'v128.const':
        stack.push('v128');
        break;
      case 'ref.null':
        stack.push(ins.refType!);
        break;
      case 'ref.func': {
        if ((ins.idx ?? 0) >= c.funcTypes.length) {
          c.out.push({
            code: 'unknown_function',
            offset: ins.offset,
            detail: `${where}: ref.func ${ins.idx} does not exist`,
          });
          return;
        }
        stack.push('funcref');
        break;
      }
      case 'global.get': {
        const g = c.globals[ins.idx ?? 0];
        if (g === undefined || (ins.idx ?? 0) >= globalLimit) {
          c.out.push({
            code: 'unknown_global',
            offset: ins.offset,
            detail: `${where}: global ${ins.idx} does not exist or is not visible here (global initializers may only read imported globals)`,
          });
          return;
        }
        if (g.mutable) {
          c.out.push({
            code: 'constant_expression_required',
            offset: ins.offset,
            detail: `${where}: global ${ins.idx} is mutable`,
          });
          return;
        }
        stack.push(g.type);
        break;
      }
      default:
        c.out.push({
          code: 'constant_expression_required',
          offset: ins.offset,
          detail: `${where}: ${info.name} is not allowed in a constant expression`,
        });
        return;
    }
  }
  if (stack.length !== 1 || stack[0] !== want)
    c.out.push({
      code: 'type_mismatch',
      offset,
      detail: `${where}: constant expression has type ${fmt(stack)}, expected [${want}]`,
    });
}

/** Profile rules that look at instructions one by one (run for every instruction of every body). */
function profileInstr(c: Ctx, ins: Instr, info: OpInfo, fn: number, prev: Instr | undefined): void {
  if (!c.p.instrumented) return;
  const types =
    ins.bt?.kind === 'val' ? [ins.bt.type] : (ins.types ?? (ins.refType ? [ins.refType] : []));
  const prevI32 =
    prev !== undefined && opInfo(prev.op)!.name === 'i32.const'
      ? (prev.value as number)
      : undefined;
  profileRules(c, ins.offset, info, fn, types, prevI32);
}

/**
 * The per-instruction profile rules on one instruction at `offset`: its type immediates `types`,
 * and `prevI32` the value of the i32.const just before it, if it follows one.
 */
function profileRules(
  c: Ctx,
  offset: number,
  info: OpInfo,
  fn: number,
  types: readonly ValType[],
  prevI32: number | undefined,
): void {
  const p = c.p;
  if (!p.instrumented) return;
  if (info.feature === 'simd' || info.feature === 'relaxed_simd') {
    c.out.push({
      code: 'profile_simd',
      offset,
      function: fn,
      detail: `${info.name}: SIMD is not allowed in profile ${p.name}`,
    });
    return;
  }
  if (!p.floats && info.float)
    c.out.push({
      code: 'profile_float',
      offset,
      function: fn,
      detail: `${info.name}: floating point is not allowed in profile ${p.name}`,
    });
  for (const vt of types) profileType(c, vt, offset, `${info.name} type`, fn);
  if (
    (info.name === 'memory.copy' || info.name === 'memory.fill' || info.name === 'memory.init') &&
    prevI32 !== undefined
  ) {
    const len = prevI32 >>> 0;
    if (len > p.limits!.maxBulkBytes)
      c.out.push({
        code: 'profile_bulk_length',
        offset,
        function: fn,
        detail: `${info.name} of ${len} bytes exceeds the profile limit of ${p.limits!.maxBulkBytes}`,
      });
  }
}

function profileType(c: Ctx, t: ValType, offset: number, where: string, fn?: number): void {
  const p = c.p;
  if (!p.instrumented) return;
  const v = (code: ViolationCode, detail: string): void => {
    const x: Violation = { code, offset, detail };
    if (fn !== undefined) x.function = fn;
    c.out.push(x);
  };
  if (t === 'v128') v('profile_simd', `${where}: v128 is not allowed in profile ${p.name}`);
  else if (isFloatType(t) && !p.floats)
    v('profile_float', `${where}: ${t} is not allowed in profile ${p.name}`);
  // externref is allowed: an opaque host value the guest can only pass around and test for null.
}

/**
 * The reference type checker of one body on decoded instructions (the spec's algorithm, close to
 * its appendix); it words every type error. Stops at the first one (TypeError_).
 */
class FuncCheck {
  readonly vals: V[] = [];
  readonly ctrls: Frame[] = [];
  height = 0;
  maxHeight = 0;
  maxNesting = 0;
  at: number;

  constructor(
    readonly c: Ctx,
    readonly fn: number,
    readonly type: FuncType,
    readonly locals: ValType[],
    bodyOffset: number,
  ) {
    this.at = bodyOffset;
  }

  err(code: ViolationCode, detail: string): never {
    this.c.out.push({ code, offset: this.at, function: this.fn, detail });
    throw STOP;
  }

  push(t: V): void {
    this.vals.push(t);
    this.height += slots(t);
    if (this.height > this.maxHeight) this.maxHeight = this.height;
  }

  pop(expect?: V): V {
    const f = this.ctrls[this.ctrls.length - 1]!;
    if (this.vals.length === f.height) {
      if (f.unreachable) return expect ?? 'unknown';
      return this.err('type_mismatch', `expected ${expect ?? 'a value'} but the stack is empty`);
    }
    const actual = this.vals.pop()!;
    this.height -= slots(actual);
    if (expect !== undefined && actual !== 'unknown' && expect !== 'unknown' && actual !== expect)
      this.err('type_mismatch', `expected ${expect}, got ${actual}`);
    return actual === 'unknown' ? (expect ?? 'unknown') : actual;
  }

  popAll(ts: readonly ValType[]): V[] {
    const out: V[] = [];
    for (let i = ts.length - 1; i >= 0; i--) out.unshift(this.pop(ts[i]));
    return out;
  }

  pushAll(ts: readonly V[]): void {
    ts.forEach((t) => this.push(t));
  }

  pushCtrl(kind: Frame['kind'], start: ValType[], end: ValType[]): void {
    this.ctrls.push({ kind, start, end, height: this.vals.length, unreachable: false });
    this.pushAll(start);
    if (this.ctrls.length - 1 > this.maxNesting) this.maxNesting = this.ctrls.length - 1;
  }

  popCtrl(): Frame {
    const f = this.ctrls[this.ctrls.length - 1];
    if (f === undefined) return this.err('type_mismatch', 'unbalanced end');
    this.popAll(f.end);
    if (this.vals.length !== f.height)
      this.err(
        'type_mismatch',
        `${this.vals.length - f.height} values left on the stack at the end of a ${f.kind}`,
      );
    this.ctrls.pop();
    return f;
  }

  labelTypes(f: Frame): ValType[] {
    return f.kind === 'loop' ? f.start : f.end;
  }

  unreachable(): void {
    const f = this.ctrls[this.ctrls.length - 1]!;
    while (this.vals.length > f.height) this.height -= slots(this.vals.pop()!);
    f.unreachable = true;
  }

  label(l: number): Frame {
    const f = this.ctrls[this.ctrls.length - 1 - l];
    if (f === undefined || l < 0)
      return this.err('unknown_label', `label ${l} does not exist (depth ${this.ctrls.length})`);
    return f;
  }

  local(i: number): ValType {
    return (
      this.locals[i] ??
      this.err('unknown_local', `local ${i} does not exist (${this.locals.length} locals)`)
    );
  }

  global(i: number): GlobalType {
    return this.c.globals[i] ?? this.err('unknown_global', `global ${i} does not exist`);
  }

  table(i: number): TableType {
    return this.c.tables[i] ?? this.err('unknown_table', `table ${i} does not exist`);
  }

  memory(): void {
    if (this.c.memCount === 0) this.err('unknown_memory', 'no memory is defined or imported');
  }

  elemType(i: number): RefType {
    return (
      this.c.m.elems[i]?.type ??
      this.err('unknown_elem_segment', `element segment ${i} does not exist`)
    );
  }

  data(i: number): void {
    if (this.c.m.dataCount === undefined)
      this.err('data_count_section_required', 'data count section required');
    if (i >= this.c.m.dataCount!)
      this.err('unknown_data_segment', `data segment ${i} does not exist`);
  }

  /** One instruction: the first handler that knows it, else typed by its signature. */
  instr(ins: Instr, info: OpInfo): void {
    if (
      !this.control(ins, info.name) &&
      !this.operands(ins, info.name) &&
      !this.tablesAndRefs(ins, info.name)
    )
      this.generic(ins, info);
  }

  /** Blocks, branches and calls; false when `name` is not one of them. */
  control(ins: Instr, name: string): boolean {
    switch (name) {
      case 'unreachable':
        this.unreachable();
        break;
      case 'nop':
        break;
      case 'block':
      case 'loop':
      case 'if': {
        const sig = blockSig(this.c, ins.bt!, ins.offset, this.fn);
        if (name === 'if') this.pop('i32');
        this.popAll(sig.params);
        this.pushCtrl(name, sig.params, sig.results);
        break;
      }
      case 'else': {
        const f = this.ctrls[this.ctrls.length - 1]!;
        if (f.kind !== 'if') this.err('type_mismatch', '`else` without a matching `if`');
        this.popCtrl();
        this.pushCtrl('else', f.start, f.end);
        break;
      }
      case 'end': {
        const f = this.popCtrl();
        if (f.kind === 'if' && !sameTypes(f.start, f.end))
          this.err(
            'type_mismatch',
            `if without else must leave its parameters ${fmt(f.start)} as its results ${fmt(f.end)}`,
          );
        this.pushAll(f.end);
        break;
      }
      case 'br':
        this.popAll(this.labelTypes(this.label(ins.idx!)));
        this.unreachable();
        break;
      case 'br_if': {
        const lt = this.labelTypes(this.label(ins.idx!));
        this.pop('i32');
        this.popAll(lt);
        this.pushAll(lt);
        break;
      }
      case 'br_table':
        this.brTable(ins);
        break;
      case 'return':
        this.popAll(this.type.results);
        this.unreachable();
        break;
      case 'call': {
        const t = this.c.funcTypes[ins.idx!];
        if (t === undefined) this.err('unknown_function', `function ${ins.idx} does not exist`);
        this.popAll(t!.params);
        this.pushAll(t!.results);
        break;
      }
      case 'call_indirect': {
        const tb = this.table(ins.idx2!);
        if (tb.elem !== 'funcref')
          this.err('type_mismatch', `call_indirect through table ${ins.idx2} of ${tb.elem}`);
        const t =
          this.c.m.types[ins.idx!] ?? this.err('unknown_type', `type ${ins.idx} does not exist`);
        this.pop('i32');
        this.popAll(t.params);
        this.pushAll(t.results);
        break;
      }
      default:
        return false;
    }
    return true;
  }

  brTable(ins: Instr): void {
    const n = ins.labels!.length;
    if (n > V8_LIMITS.brTableLabels)
      this.err(
        'implementation_limit',
        `br_table: ${n} labels exceed V8's implementation limit of ${V8_LIMITS.brTableLabels}`,
      );
    this.pop('i32');
    const dflt = this.labelTypes(this.label(ins.idx!));
    for (const l of ins.labels!) {
      const lt = this.labelTypes(this.label(l));
      if (lt.length !== dflt.length)
        this.err(
          'type_mismatch',
          `br_table targets have different arities (${lt.length} vs ${dflt.length})`,
        );
      // push back what was popped, not what was expected: below an unreachable, the operands
      // stay unknown so targets of different types all check (the spec's pop_vals/push_vals)
      const got: V[] = [];
      for (let k = lt.length - 1; k >= 0; k--) {
        const f = this.ctrls[this.ctrls.length - 1]!;
        const actual: V =
          this.vals.length === f.height ? 'unknown' : this.vals[this.vals.length - 1]!;
        this.pop(lt[k]);
        got.unshift(actual);
      }
      this.pushAll(got);
    }
    this.popAll(dflt);
    this.unreachable();
  }

  /** Parametric and variable instructions; false when `name` is not one of them. */
  operands(ins: Instr, name: string): boolean {
    switch (name) {
      case 'drop':
        this.pop();
        break;
      case 'select': {
        this.pop('i32');
        const t1 = this.pop();
        const t2 = this.pop();
        const num = (t: V): boolean => t === 'unknown' || !isRefType(t);
        if (!num(t1) || !num(t2))
          this.err('type_mismatch', 'select without a type needs numeric or vector operands');
        if (t1 !== t2 && t1 !== 'unknown' && t2 !== 'unknown')
          this.err('type_mismatch', `select operands differ: ${t1} vs ${t2}`);
        this.push(t1 === 'unknown' ? t2 : t1);
        break;
      }
      case 'select_t': {
        if (ins.types!.length !== 1)
          this.err(
            'invalid_result_arity',
            `select needs exactly one type, got ${ins.types!.length}`,
          );
        const t = ins.types![0]!;
        this.pop('i32');
        this.pop(t);
        this.pop(t);
        this.push(t);
        break;
      }
      case 'local.get':
        this.push(this.local(ins.idx!));
        break;
      case 'local.set':
        this.pop(this.local(ins.idx!));
        break;
      case 'local.tee': {
        const t = this.local(ins.idx!);
        this.pop(t);
        this.push(t);
        break;
      }
      case 'global.get':
        this.push(this.global(ins.idx!).type);
        break;
      case 'global.set': {
        const g = this.global(ins.idx!);
        if (!g.mutable) this.err('global_is_immutable', `global ${ins.idx} is immutable`);
        this.pop(g.type);
        break;
      }
      default:
        return false;
    }
    return true;
  }

  /** Table, segment and reference instructions; false when `name` is not one of them. */
  tablesAndRefs(ins: Instr, name: string): boolean {
    switch (name) {
      case 'table.get': {
        const t = this.table(ins.idx!);
        this.pop('i32');
        this.push(t.elem);
        break;
      }
      case 'table.set': {
        const t = this.table(ins.idx!);
        this.pop(t.elem);
        this.pop('i32');
        break;
      }
      case 'table.size':
        this.table(ins.idx!);
        this.push('i32');
        break;
      case 'table.grow': {
        const t = this.table(ins.idx!);
        this.pop('i32');
        this.pop(t.elem);
        this.push('i32');
        break;
      }
      case 'table.fill': {
        const t = this.table(ins.idx!);
        this.pop('i32');
        this.pop(t.elem);
        this.pop('i32');
        break;
      }
      case 'table.copy': {
        const d = this.table(ins.idx!);
        const s = this.table(ins.idx2!);
        if (d.elem !== s.elem)
          this.err('type_mismatch', `table.copy between ${s.elem} and ${d.elem} tables`);
        this.popAll(['i32', 'i32', 'i32']);
        break;
      }
      case 'table.init': {
        const t = this.table(ins.idx2!);
        const e = this.elemType(ins.idx!);
        if (t.elem !== e)
          this.err('type_mismatch', `table.init of ${e} segment into ${t.elem} table`);
        this.popAll(['i32', 'i32', 'i32']);
        break;
      }
      case 'elem.drop':
        this.elemType(ins.idx!);
        break;
      case 'memory.init':
        this.memory();
        this.data(ins.idx!);
        this.popAll(['i32', 'i32', 'i32']);
        break;
      case 'data.drop':
        this.data(ins.idx!);
        break;
      case 'ref.null':
        this.push(ins.refType!);
        break;
      case 'ref.is_null': {
        const t = this.pop();
        if (t !== 'unknown' && !isRefType(t)) this.err('type_mismatch', `ref.is_null of ${t}`);
        this.push('i32');
        break;
      }
      case 'ref.func': {
        if (this.c.funcTypes[ins.idx!] === undefined)
          this.err('unknown_function', `function ${ins.idx} does not exist`);
        if (!this.c.refs.has(ins.idx!))
          this.err(
            'undeclared_function_reference',
            `function ${ins.idx} is not declared in an element segment, export or global`,
          );
        this.push('funcref');
        break;
      }
      default:
        return false;
    }
    return true;
  }

  /** Everything else: immediates checked, then typed by the opcode table's signature. */
  generic(ins: Instr, info: OpInfo): void {
    if (
      info.imm === 'memarg' ||
      info.imm === 'memarg_lane' ||
      info.imm === 'zero_byte' ||
      info.imm === 'zero_zero'
    )
      this.memory();
    if (
      ins.idx2 !== undefined &&
      (info.imm === 'memarg' || info.imm === 'memarg_lane') &&
      ins.idx2 !== 0
    )
      this.err('unknown_memory', `memory ${ins.idx2} does not exist`);
    // the whole flags word is the exponent: bit 6 (multi-memory's memory index) is outside the
    // pinned feature set, and V8 reads it as alignment 2^64+ (too large), as Wasm 2.0 does
    if (ins.align !== undefined && info.width !== undefined && 2 ** ins.align > info.width) {
      const mm =
        ins.align & 64 ? ' (bit 6, a multi-memory index, is outside the pinned feature set)' : '';
      this.err(
        'alignment_must_not_be_larger_than_natural',
        `${info.name}: alignment 2^${ins.align} exceeds the natural alignment ${info.width}${mm}`,
      );
    }
    if (ins.lane !== undefined && info.lanes !== undefined && ins.lane >= info.lanes)
      this.err('invalid_lane_index', `${info.name}: lane ${ins.lane} out of 0..${info.lanes - 1}`);
    if (info.imm === 'shuffle' && ins.bytes!.some((b) => b >= 32))
      this.err('invalid_lane_index', 'i8x16.shuffle lane index ≥ 32');
    if (info.sig === undefined) this.err('type_mismatch', `no signature for ${info.name}`);
    const sig = parseSig(info.sig!);
    this.popAll(sig.params);
    this.pushAll(sig.results);
  }
}

/** Type-check one function body; returns its facts (maxHeight is from the part checked). */
function checkFunction(
  c: Ctx,
  fn: number,
  type: FuncType,
  locals: ValType[],
  body: Expr,
  bodyOffset: number,
): FuncFacts {
  const k = new FuncCheck(c, fn, type, locals, bodyOffset);
  const localSlots = locals.reduce((n, t) => n + slots(t), 0);
  k.ctrls.push({ kind: 'func', start: [], end: type.results, height: 0, unreachable: false });
  try {
    for (const ins of body) {
      k.at = ins.offset;
      k.instr(ins, opInfo(ins.op)!);
    }
    k.at = body.length ? body[body.length - 1]!.offset : bodyOffset;
    // the function's closing `end`
    if (k.ctrls.length !== 1) k.err('type_mismatch', 'unclosed block at the end of the function');
    k.popCtrl();
  } catch (e) {
    if (!(e instanceof TypeError_)) throw e;
  }
  return { maxHeight: k.maxHeight, localSlots, maxNesting: k.maxNesting };
}

function countNesting(body: Expr): number {
  let depth = 0;
  let max = 0;
  for (const ins of body) {
    if (ins.op === 0x02 || ins.op === 0x03 || ins.op === 0x04) {
      depth++;
      if (depth > max) max = depth;
    } else if (ins.op === 0x0b) depth--;
  }
  return max;
}

/** Type entries: profile value types and arity limits. */
function checkTypes(c: Ctx): void {
  const { m, out } = c;
  const L = c.p.limits;
  m.types.forEach((t, i) => {
    // the entry itself (its 0x60), so two types' violations never share the section's first byte
    const off = m.typeOffsets?.[i] ?? m.sections.find((s) => s.id === 1)?.offset ?? 0;
    for (const vt of [...t.params, ...t.results]) profileType(c, vt, off, `type ${i}`);
    if (L && t.params.length > L.maxParams)
      out.push({
        code: 'profile_params',
        offset: off,
        detail: `type ${i} has ${t.params.length} parameters (limit ${L.maxParams})`,
      });
    if (L && t.results.length > L.maxResults)
      out.push({
        code: 'profile_results',
        offset: off,
        detail: `type ${i} has ${t.results.length} results (limit ${L.maxResults})`,
      });
  });
}

function checkFuncImport(c: Ctx, im: Import, typeIndex: number, name: string): void {
  const { m, p, out } = c;
  const t = m.types[typeIndex];
  if (t === undefined)
    out.push({
      code: 'unknown_type',
      offset: im.offset,
      detail: `import ${name}: type ${typeIndex} does not exist`,
    });
  c.funcTypes.push(t);
  if (!p.imports) return;
  const allowed = p.imports.find((h) => h.module === im.module && h.name === im.name);
  if (allowed === undefined)
    out.push({
      code: 'profile_import',
      offset: im.offset,
      detail: `import ${name} is not allowed in profile ${p.name} (only ${p.imports.map((h) => `${h.module}.${h.name}`).join(', ')})`,
    });
  else if (
    t !== undefined &&
    !(sameTypes(t.params, allowed.params) && sameTypes(t.results, allowed.results))
  ) {
    out.push({
      code: 'profile_import_signature',
      offset: im.offset,
      detail: `import ${name} has type ${fmt(t.params)} -> ${fmt(t.results)}, expected ${fmt(allowed.params)} -> ${fmt(allowed.results)}`,
    });
  }
}

/** Imports: reserved names, the profile's host imports, limits; fills the index spaces. */
function checkImports(c: Ctx): void {
  const { p, out } = c;
  for (const im of c.m.imports) {
    const d = im.desc;
    const name = `${im.module}.${im.name}`;
    if (p.instrumented && (im.module.startsWith('__icn_') || im.name.startsWith('__icn_'))) {
      out.push({
        code: 'profile_reserved_name',
        offset: im.offset,
        detail: `import ${name}: names starting with __icn_ are reserved`,
      });
    }
    if (d.kind === 'func') {
      checkFuncImport(c, im, d.typeIndex, name);
      continue;
    }
    if (p.imports)
      out.push({
        code: 'profile_import',
        offset: im.offset,
        detail: `import ${name}: ${d.kind} imports are not allowed in profile ${p.name}`,
      });
    if (d.kind === 'table') {
      checkLimits(c, d.table.limits, 0xffff_ffff, 'table', im.offset);
      c.tables.push(d.table);
    } else if (d.kind === 'memory') {
      checkLimits(c, d.memory.limits, MAX_PAGES, 'memory', im.offset);
      if (d.memory.limits.shared && p.instrumented)
        out.push({
          code: 'profile_threads',
          offset: im.offset,
          detail: 'shared memory (threads) is not allowed',
        });
      c.memCount++;
    } else {
      c.globals.push(d.global);
      profileType(c, d.global.type, im.offset, `import ${name}`);
      c.importedGlobals++;
    }
  }
}

/** Function, table and memory sections. */
function checkFuncsTablesMemories(c: Ctx, importedFuncs: number): void {
  const { m, p, out } = c;
  const L = p.limits;
  const funcSecOff = m.sections.find((s) => s.id === 3)?.offset ?? 0;
  m.funcs.forEach((ti, i) => {
    const t = m.types[ti];
    if (t === undefined)
      out.push({
        code: 'unknown_type',
        offset: m.funcOffsets?.[i] ?? funcSecOff,
        function: importedFuncs + i,
        detail: `function ${importedFuncs + i}: type ${ti} does not exist`,
      });
    c.funcTypes.push(t);
  });
  for (const t of m.tables) {
    checkLimits(c, t.type.limits, 0xffff_ffff, 'table', t.offset);
    c.tables.push(t.type);
    profileType(c, t.type.elem, t.offset, 'table');
    if (L && t.type.limits.min > L.maxTableElements)
      out.push({
        code: 'profile_table_limit',
        offset: t.offset,
        detail: `table minimum ${t.type.limits.min} exceeds the profile limit of ${L.maxTableElements} elements`,
      });
  }
  if (L && c.tables.length > L.maxTables)
    out.push({
      code: 'profile_table_limit',
      offset: m.tables[0]?.offset ?? 0,
      detail: `${c.tables.length} tables exceed the profile limit of ${L.maxTables}`,
    });
  for (const mem of m.memories) {
    checkLimits(c, mem.type.limits, MAX_PAGES, 'memory', mem.offset);
    if (mem.type.limits.shared && p.instrumented)
      out.push({
        code: 'profile_threads',
        offset: mem.offset,
        detail: 'shared memory (threads) is not allowed',
      });
    if (L && mem.type.limits.min > L.maxMemoryPages)
      out.push({
        code: 'profile_memory_limit',
        offset: mem.offset,
        detail: `memory minimum ${mem.type.limits.min} pages exceeds the profile limit of ${L.maxMemoryPages}`,
      });
    c.memCount++;
  }
  if (c.memCount > 1)
    out.push({
      code: 'multiple_memories',
      offset: m.memories[1]?.offset ?? m.memories[0]?.offset ?? 0,
      detail: `${c.memCount} memories (at most one without multi-memory)`,
    });
}

/** C.refs: functions referenced outside function bodies. */
function collectRefs(c: Ctx): void {
  const scanRefs = (e: Expr): void =>
    e.forEach((ins) => {
      if (ins.op === 0xd2) c.refs.add(ins.idx!);
    });
  c.m.globals.forEach((g) => scanRefs(g.init));
  c.m.exports.forEach((e) => {
    if (e.kind === 'func') c.refs.add(e.index);
  });
  for (const s of c.m.elems) {
    s.funcs?.forEach((f) => c.refs.add(f));
    s.exprs?.forEach(scanRefs);
  }
}

/** Globals, exports and the start function. */
function checkGlobalsExportsStart(c: Ctx): void {
  const { m, p, out } = c;
  for (const g of m.globals) {
    profileType(c, g.type.type, g.offset, 'global');
    constExpr(c, g.init, g.type.type, 'global initializer', g.offset, c.importedGlobals);
    c.globals.push(g.type);
  }
  const names = new Set<string>();
  for (const e of m.exports) {
    if (names.has(e.name))
      out.push({
        code: 'duplicate_export_name',
        offset: e.offset,
        detail: `export name ${JSON.stringify(e.name)} is used twice`,
      });
    names.add(e.name);
    if (p.instrumented && e.name.startsWith('__icn_'))
      out.push({
        code: 'profile_reserved_name',
        offset: e.offset,
        detail: `export ${JSON.stringify(e.name)}: names starting with __icn_ are reserved`,
      });
    const count =
      e.kind === 'func'
        ? c.funcTypes.length
        : e.kind === 'table'
          ? c.tables.length
          : e.kind === 'memory'
            ? c.memCount
            : c.globals.length;
    if (e.index >= count)
      out.push({
        code: `unknown_${e.kind === 'func' ? 'function' : e.kind}`,
        offset: e.offset,
        detail: `export ${JSON.stringify(e.name)}: ${e.kind} ${e.index} does not exist`,
      });
  }
  if (m.start !== undefined) {
    const t = c.funcTypes[m.start.func];
    if (m.start.func >= c.funcTypes.length)
      out.push({
        code: 'unknown_function',
        offset: m.start.offset,
        detail: `start function ${m.start.func} does not exist`,
      });
    else if (t !== undefined && (t.params.length || t.results.length))
      out.push({
        code: 'start_function',
        offset: m.start.offset,
        detail: `start function ${m.start.func} must have type [] -> []`,
      });
  }
}

/** Element and data segments. */
function checkSegments(c: Ctx): void {
  const { m, out } = c;
  m.elems.forEach((s, i) => {
    profileType(c, s.type, s.offset, `element segment ${i}`);
    if (s.mode === 'active') {
      const t = c.tables[s.table];
      if (t === undefined)
        out.push({
          code: 'unknown_table',
          offset: s.offset,
          detail: `element segment ${i}: table ${s.table} does not exist`,
        });
      else if (t.elem !== s.type)
        out.push({
          code: 'type_mismatch',
          offset: s.offset,
          detail: `element segment ${i} of ${s.type} for a ${t.elem} table`,
        });
      constExpr(
        c,
        s.offsetExpr ?? [],
        'i32',
        `element segment ${i} offset`,
        s.offset,
        c.importedGlobals,
      );
    }
    s.funcs?.forEach((f) => {
      if (f >= c.funcTypes.length)
        out.push({
          code: 'unknown_function',
          offset: s.offset,
          detail: `element segment ${i}: function ${f} does not exist`,
        });
    });
    s.exprs?.forEach((e) =>
      constExpr(c, e, s.type, `element segment ${i} item`, s.offset, c.importedGlobals),
    );
  });
  const range = unreadDatas(m);
  if (range !== undefined && fastData(c).check(range.bytes, range.start, range.end, range.count))
    return;
  // reading `datas` decodes a lazy section (and throws WasmDecodeError if it is malformed)
  m.datas.forEach((d, i) => {
    if (d.mode === 'active') {
      if (d.memory >= c.memCount)
        out.push({
          code: 'unknown_memory',
          offset: d.offset,
          detail: `data segment ${i}: memory ${d.memory} does not exist`,
        });
      constExpr(
        c,
        d.offsetExpr ?? [],
        'i32',
        `data segment ${i} offset`,
        d.offset,
        c.importedGlobals,
      );
    }
  });
}

function fastData(c: Ctx): DataChecker {
  const imported = c.globals.slice(0, c.importedGlobals);
  return new DataChecker({
    memCount: c.memCount,
    importedGlobalType: Uint8Array.from(imported, (g) => codeOf(g.type)),
    importedGlobalMutable: Uint8Array.from(imported, (g) => (g.mutable ? 1 : 0)),
  });
}

/** The module's index spaces as codes for the byte-level checker. */
function moduleShape(c: Ctx): ModuleShape {
  const { m } = c;
  const typeIndex = new Map<FuncType, number>(m.types.map((t, i) => [t, i]));
  const refs = new Uint8Array(c.funcTypes.length);
  for (const f of c.refs) if (f < refs.length) refs[f] = 1;
  return {
    typeParams: m.types.map((t) => codesOf(t.params)),
    typeResults: m.types.map((t) => codesOf(t.results)),
    funcType: Int32Array.from(c.funcTypes, (t) =>
      t === undefined ? -1 : (typeIndex.get(t) ?? -1),
    ),
    refs,
    tableElem: Uint8Array.from(c.tables, (t) => codeOf(t.elem)),
    globalType: Uint8Array.from(c.globals, (g) => codeOf(g.type)),
    globalMutable: Uint8Array.from(c.globals, (g) => (g.mutable ? 1 : 0)),
    elemType: Uint8Array.from(m.elems, (e) => codeOf(e.type)),
    memCount: c.memCount,
    dataCount: m.dataCount ?? -1,
  };
}

const NO_TYPE: FuncType = { params: [], results: [] };
const NO_CODES = new Uint8Array(0);

/** The result type codes of function `fn` (none when its type does not exist). */
function resultCodes(fast: BodyChecker, fn: number): Uint8Array {
  const ti = fast.shape.funcType[fn] ?? -1;
  return ti < 0 ? NO_CODES : fast.shape.typeResults[ti]!;
}

/** Type-check every body; facts per defined function. */
function checkBodies(c: Ctx, importedFuncs: number): FuncFacts[] {
  // profile violations of the body being checked fast, kept only if the checker accepts it
  const pending: Violation[] = [];
  const cp: Ctx = { ...c, out: pending };
  let fn = 0;
  let fast: BodyChecker | undefined;
  let localCodes = new Uint8Array(256);
  const hook: ProfileHook = {
    active: c.p.instrumented,
    floats: c.p.floats,
    report: (offset, info, types, prevI32) => profileRules(cp, offset, info, fn, types, prevI32),
  };
  return c.m.codes.map((code, i) => {
    fn = importedFuncs + i;
    const t = c.funcTypes[fn] ?? NO_TYPE;
    const locals = checkLocals(c, fn, t, code);
    if (locals === undefined) return { maxHeight: 0, localSlots: 0, maxNesting: 0 };
    const range = unreadBody(code);
    let facts: FuncFacts | undefined;
    if (range !== undefined) {
      fast ??= new BodyChecker(moduleShape(c), hook);
      if (localCodes.length < locals.length) localCodes = new Uint8Array(locals.length * 2);
      let localSlots = 0;
      for (let k = 0; k < locals.length; k++) {
        localCodes[k] = codeOf(locals[k]!);
        localSlots += slots(locals[k]!);
      }
      pending.length = 0;
      const f = fast.check(
        range.bytes,
        range.start,
        range.end,
        localCodes,
        locals.length,
        resultCodes(fast, fn),
      );
      if (f !== undefined) {
        c.out.push(...pending);
        facts = { maxHeight: f.maxHeight, localSlots, maxNesting: f.maxNesting };
      }
    }
    facts ??= checkDecodedBody(c, fn, t, locals, code, range !== undefined);
    checkFrame(c, fn, code.bodyOffset, facts);
    return facts;
  });
}

/** A body's locals (params first), or undefined when there are too many to check it. */
function checkLocals(c: Ctx, fn: number, t: FuncType, code: FuncBody): ValType[] | undefined {
  const L = c.p.limits;
  const locals: ValType[] = [...t.params];
  let declared = 0;
  for (const g of code.locals) {
    declared += g.count;
    profileType(c, g.type, code.bodyOffset, `local of function ${fn}`, fn);
    if (declared + t.params.length <= V8_LIMITS.locals)
      for (let k = 0; k < g.count; k++) locals.push(g.type);
  }
  // V8's limit (params included): a body V8 refuses is refused here, and never expanded
  if (declared + t.params.length > V8_LIMITS.locals) {
    c.out.push({
      code: 'too_many_locals',
      offset: code.bodyOffset,
      function: fn,
      detail: `${declared + t.params.length} locals exceed V8's limit of ${V8_LIMITS.locals}`,
    });
    return undefined;
  }
  if (L && declared + t.params.length > L.maxFunctionLocals) {
    c.out.push({
      code: 'profile_locals',
      offset: code.bodyOffset,
      function: fn,
      detail: `${declared + t.params.length} locals exceed the profile limit of ${L.maxFunctionLocals}`,
    });
  }
  return locals;
}

/**
 * The reference path on decoded instructions: the profile rules, then the type checker that words
 * the first type error. A body decoded here from a lazy module may turn out malformed: that throws
 * WasmDecodeError, as decoding the module eagerly would have.
 */
function checkDecodedBody(
  c: Ctx,
  fn: number,
  t: FuncType,
  locals: ValType[],
  code: FuncBody,
  lazy: boolean,
): FuncFacts {
  const body = code.body;
  if (lazy && c.m.dataCount === undefined) {
    const needs = body.find((ins) => ins.op === OP_MEMORY_INIT || ins.op === OP_DATA_DROP);
    if (needs !== undefined)
      throw new WasmDecodeError(
        needs.offset,
        'data_count_section_required',
        'memory.init/data.drop need a data count section',
      );
  }
  let prev: Instr | undefined;
  for (const ins of body) {
    profileInstr(c, ins, opInfo(ins.op)!, fn, prev);
    prev = ins;
  }
  const facts = checkFunction(c, fn, t, locals, body, code.bodyOffset);
  facts.maxNesting = countNesting(body);
  return facts;
}

/** Profile limits on a checked body: control nesting and the frame's stack slots. */
function checkFrame(c: Ctx, fn: number, bodyOffset: number, facts: FuncFacts): void {
  const L = c.p.limits;
  if (!L) return;
  const nesting = facts.maxNesting;
  if (nesting > L.maxControlNesting)
    c.out.push({
      code: 'profile_nesting',
      offset: bodyOffset,
      function: fn,
      detail: `control nesting ${nesting} exceeds the profile limit of ${L.maxControlNesting}`,
    });
  if (facts.localSlots + facts.maxHeight + L.frameOverheadSlots > L.maxStackSlots) {
    c.out.push({
      code: 'profile_stack_frame',
      offset: bodyOffset,
      function: fn,
      detail: `one frame needs ${facts.localSlots + facts.maxHeight + L.frameOverheadSlots} stack slots, more than the budget of ${L.maxStackSlots}`,
    });
  }
}

/**
 * Validate a decoded module (eagerly, or lazily: bodies still unread are checked from their
 * bytes). With a lazy module, malformed code throws WasmDecodeError (see validateDetailed).
 */
export function validateDecoded(m: WasmModule, profileName: ProfileName): DetailedValidation {
  const p = getProfile(profileName);
  const out: Violation[] = [];
  const c: Ctx = {
    m,
    p,
    out,
    funcTypes: [],
    tables: [],
    memCount: 0,
    globals: [],
    importedGlobals: 0,
    refs: new Set(),
  };
  checkTypes(c);
  checkV8Limits(m, out);
  checkImports(c);
  const importedFuncs = c.funcTypes.length;
  checkFuncsTablesMemories(c, importedFuncs);
  collectRefs(c);
  checkGlobalsExportsStart(c);
  checkSegments(c);
  const funcs = checkBodies(c, importedFuncs);
  out.sort((a, b) => a.offset - b.offset);
  return { ok: out.length === 0, profile: profileName, violations: out, module: m, funcs };
}

/** Validate a binary against a profile: every violation, never a throw on bad bytes. */
export function validateModule(bytes: Uint8Array, profileName: ProfileName): ValidationResult {
  const r = validateDetailed(bytes, profileName);
  return { ok: r.ok, profile: r.profile, violations: r.violations };
}

/**
 * Decode lazily and check bodies from their bytes; the module returned decodes a body when it is
 * first read. Malformed bytes anywhere: the eager path, whose decoder reports the first problem in
 * byte order (the single `malformed:` violation), as it always did.
 */
export function validateDetailed(bytes: Uint8Array, profileName: ProfileName): DetailedValidation {
  getProfile(profileName);
  try {
    return validateDecoded(decodeModule(bytes, { bodies: 'lazy' }), profileName);
  } catch (e) {
    if (!(e instanceof WasmDecodeError)) throw e;
  }
  return validateEager(bytes, profileName);
}

/** The reference: decode every body into instructions, then validate. */
export function validateEager(bytes: Uint8Array, profileName: ProfileName): DetailedValidation {
  getProfile(profileName);
  let m: WasmModule;
  try {
    m = decodeModule(bytes);
  } catch (e) {
    if (!(e instanceof WasmDecodeError)) throw e;
    return {
      ok: false,
      profile: profileName,
      violations: [{ code: `malformed:${e.reason}`, offset: e.offset, detail: e.message }],
      funcs: [],
    };
  }
  return validateDecoded(m, profileName);
}
