/**
 * The fast path of function-body validation: one pass over a body's bytes with the operand and
 * control stacks in typed arrays, no decoded instruction objects and no allocation per
 * instruction. It decides "valid" and computes the facts the instrumenter needs; it never words a
 * type error. On anything it does not accept (a type error, a malformed byte, an unusual
 * encoding) it gives up and the caller re-checks that body with the reference checker
 * (validate.ts checkFunction on the decoded instructions), which finds and words the violation
 * exactly as before. So this file may be stricter than the spec but never laxer: the
 * differential test (body.test.ts) holds it to the reference on every spec module.
 */
import type { OpInfo } from '../binary/opcodes.js';
import type { ValType } from '../binary/types.js';
import { H, IMM, OPS, T } from './op-table.js';
import { V8_LIMITS } from './v8-limits.js';

/** What the module says about indices a body may use, as codes (built once per module). */
export interface ModuleShape {
  typeParams: Uint8Array[];
  typeResults: Uint8Array[];
  /** Type index of each function (imports first), -1 when its type does not exist. */
  funcType: Int32Array;
  /** 1 when the function may be named by ref.func in a body (C.refs). */
  refs: Uint8Array;
  tableElem: Uint8Array;
  globalType: Uint8Array;
  globalMutable: Uint8Array;
  elemType: Uint8Array;
  memCount: number;
  /** -1: no data count section. */
  dataCount: number;
}

/** The profile rules the checker must ask about (see validate.ts profileInstr). */
export interface ProfileHook {
  /** false: the profile has no per-instruction rules (raw). */
  active: boolean;
  floats: boolean;
  /** Report the profile violations of one instruction (the reference rules, same words). */
  report(
    offset: number,
    info: OpInfo,
    types: readonly ValType[],
    prevI32: number | undefined,
  ): void;
}

export interface BodyFacts {
  maxHeight: number;
  maxNesting: number;
}

/** Thrown inside a checker to give up (never escapes it). */
export const GIVE_UP = { giveUp: true } as const;

const K_FUNC = 0;
const K_BLOCK = 1;
const K_LOOP = 2;
const K_IF = 3;
const K_ELSE = 4;

const EMPTY = new Uint8Array(0);
const ONE: Uint8Array[] = [];
for (const c of [T.i32, T.i64, T.f32, T.f64, T.v128, T.funcref, T.externref])
  ONE[c] = Uint8Array.of(c);
const NAME_OF: Record<number, ValType> = {
  0x7f: 'i32',
  0x7e: 'i64',
  0x7d: 'f32',
  0x7c: 'f64',
  0x7b: 'v128',
  0x70: 'funcref',
  0x6f: 'externref',
};

const isValType = (b: number): boolean => (b >= 0x7b && b <= 0x7f) || b === 0x70 || b === 0x6f;
const isRef = (t: number): boolean => t === T.funcref || t === T.externref;
const slots = (t: number): number => (t === T.v128 ? 2 : 1);

export const fail = (): never => {
  throw GIVE_UP;
};

/** A cursor over bytes that reads what the decoder accepts and gives up on anything else. */
export class Cursor {
  protected bytes: Uint8Array = EMPTY;
  protected pos = 0;
  protected end = 0;

  protected u8(): number {
    if (this.pos >= this.end) fail();
    return this.bytes[this.pos++]!;
  }

  /** Unsigned LEB128 u32, canonical or padded as the decoder accepts; anything else gives up. */
  protected u32(): number {
    const b = this.u8();
    if (b < 0x80) return b;
    let result = b & 0x7f;
    let mul = 128;
    for (let i = 1; i < 5; i++) {
      const c = this.u8();
      if (i === 4 && (c & 0xf0) !== 0) fail();
      result += (c & 0x7f) * mul;
      if ((c & 0x80) === 0) return result;
      mul *= 128;
    }
    return fail();
  }

  /** Signed LEB128 of `bits` bits as a number (exact up to 53 bits: enough for s32 and s33). */
  protected sleb(bits: number): number {
    if (this.pos < this.end) {
      // one byte (most constants): 0x00-0x3f non-negative, 0x40-0x7f negative
      const b = this.bytes[this.pos]!;
      if (b < 0x80) {
        this.pos++;
        return b < 0x40 ? b : b - 0x80;
      }
    }
    const maxBytes = Math.ceil(bits / 7);
    let result = 0;
    let mul = 1;
    for (let i = 0; ; i++) {
      const b = this.u8();
      if (i === maxBytes - 1) {
        if (b & 0x80) fail();
        const used = bits - 7 * i;
        const rest = b >> (used - 1);
        if (rest !== 0 && rest !== 0x7f >> (used - 1)) fail();
      }
      result += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) return b & 0x40 ? result - mul : result;
    }
  }

  protected skip(n: number): void {
    if (this.pos + n > this.end) fail();
    this.pos += n;
  }

  /** A vector length that fits in the bytes left (the decoder's count()). */
  protected count(): number {
    const n = this.u32();
    if (n > this.end - this.pos) fail();
    return n;
  }
}

/** One checker per module: its stacks grow once and are reused by every body. */
export class BodyChecker extends Cursor {
  private vals = new Uint8Array(1024);
  private vlen = 0;
  private height = 0;
  private maxHeight = 0;
  private cKind = new Uint8Array(64);
  private cHeight = new Int32Array(64);
  private cUnreach = new Uint8Array(64);
  private cStart: Uint8Array[] = [];
  private cEnd: Uint8Array[] = [];
  private depth = 0;
  private maxDepth = 0;
  private locals: Uint8Array = EMPTY;
  private nLocals = 0;
  private results: Uint8Array = EMPTY;
  private prevI32: number | undefined;
  private scratch = new Uint8Array(64);

  constructor(
    readonly shape: ModuleShape,
    private readonly prof: ProfileHook,
  ) {
    super();
  }

  /**
   * Check the instructions in `bytes[start, end)` (the final `end` included) of a function with
   * `locals` (params first) returning `results`. undefined: gave up, re-check with the reference.
   */
  check(
    bytes: Uint8Array,
    start: number,
    end: number,
    locals: Uint8Array,
    nLocals: number,
    results: Uint8Array,
  ): BodyFacts | undefined {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
    this.locals = locals;
    this.nLocals = nLocals;
    this.results = results;
    this.vlen = 0;
    this.height = 0;
    this.maxHeight = 0;
    this.depth = 0;
    this.maxDepth = 0;
    this.prevI32 = undefined;
    this.pushCtrl(K_FUNC, EMPTY, results);
    try {
      this.run();
    } catch (e) {
      if (e === GIVE_UP) return undefined;
      throw e;
    }
    return { maxHeight: this.maxHeight, maxNesting: this.maxDepth };
  }

  // ---- stacks ----

  private push(t: number): void {
    if (this.vlen === this.vals.length) this.vals = grow8(this.vals);
    this.vals[this.vlen++] = t;
    this.height += slots(t);
    if (this.height > this.maxHeight) this.maxHeight = this.height;
  }

  /** Pop one operand of type `expect` (0: any); returns its type (0 when unknown). */
  private pop(expect: number): number {
    const top = this.depth - 1;
    if (this.vlen === this.cHeight[top]) {
      if (this.cUnreach[top]) return expect;
      return fail();
    }
    const actual = this.vals[--this.vlen]!;
    this.height -= slots(actual);
    if (expect !== 0 && actual !== 0 && actual !== expect) fail();
    return actual === 0 ? expect : actual;
  }

  private popAll(ts: Uint8Array): void {
    for (let i = ts.length - 1; i >= 0; i--) this.pop(ts[i]!);
  }

  private pushAll(ts: Uint8Array): void {
    for (let i = 0; i < ts.length; i++) this.push(ts[i]!);
  }

  private pushCtrl(kind: number, start: Uint8Array, end: Uint8Array): void {
    const d = this.depth;
    if (d === this.cKind.length) this.growCtrl();
    this.cKind[d] = kind;
    this.cHeight[d] = this.vlen;
    this.cUnreach[d] = 0;
    this.cStart[d] = start;
    this.cEnd[d] = end;
    this.depth = d + 1;
    this.pushAll(start);
    if (d > this.maxDepth) this.maxDepth = d;
  }

  private growCtrl(): void {
    this.cKind = grow8(this.cKind);
    this.cUnreach = grow8(this.cUnreach);
    const h = new Int32Array(this.cHeight.length * 2);
    h.set(this.cHeight);
    this.cHeight = h;
  }

  private popCtrl(): number {
    const top = this.depth - 1;
    this.popAll(this.cEnd[top]!);
    if (this.vlen !== this.cHeight[top]) fail();
    this.depth = top;
    return top;
  }

  private unreachable(): void {
    const top = this.depth - 1;
    const h = this.cHeight[top]!;
    while (this.vlen > h) this.height -= slots(this.vals[--this.vlen]!);
    this.cUnreach[top] = 1;
  }

  /** The operand types a branch to label `l` carries. */
  private label(l: number): Uint8Array {
    if (l >= this.depth) fail();
    const f = this.depth - 1 - l;
    return this.cKind[f] === K_LOOP ? this.cStart[f]! : this.cEnd[f]!;
  }

  private local(i: number): number {
    if (i >= this.nLocals) fail();
    return this.locals[i]!;
  }

  private table(i: number): number {
    if (i >= this.shape.tableElem.length) fail();
    return this.shape.tableElem[i]!;
  }

  private global(i: number): number {
    if (i >= this.shape.globalType.length) fail();
    return this.shape.globalType[i]!;
  }

  private elem(i: number): number {
    if (i >= this.shape.elemType.length) fail();
    return this.shape.elemType[i]!;
  }

  private data(i: number): void {
    if (this.shape.dataCount < 0 || i >= this.shape.dataCount) fail();
  }

  private memory(): void {
    if (this.shape.memCount === 0) fail();
  }

  // ---- instructions ----

  /**
   * The instruction loop: one `switch` over handler numbers, kept whole on purpose (a run loop
   * over opcodes, like the interpreter's; splitting it per case would add a call per instruction).
   */
  private run(): void {
    const s = this.shape;
    for (;;) {
      const at = this.pos;
      const slot = this.opcode();
      if (this.prof.active) this.profile(at, slot, OPS.info[slot]!);
      this.prevI32 = undefined;
      switch (OPS.handler[slot]) {
        case H.GENERIC:
          this.generic(slot);
          break;
        case H.UNREACHABLE:
          this.unreachable();
          break;
        case H.NOP:
          break;
        case H.BLOCK:
          this.block(K_BLOCK);
          break;
        case H.LOOP:
          this.block(K_LOOP);
          break;
        case H.IF:
          this.block(K_IF);
          break;
        case H.ELSE: {
          const top = this.depth - 1;
          if (this.cKind[top] !== K_IF) fail();
          const start = this.cStart[top]!;
          const end = this.cEnd[top]!;
          this.popCtrl();
          this.pushCtrl(K_ELSE, start, end);
          break;
        }
        case H.END:
          if (this.end_()) return;
          break;
        case H.BR:
          this.popAll(this.label(this.u32()));
          this.unreachable();
          break;
        case H.BR_IF: {
          const lt = this.label(this.u32());
          this.pop(T.i32);
          this.popAll(lt);
          this.pushAll(lt);
          break;
        }
        case H.BR_TABLE:
          this.brTable();
          break;
        case H.RETURN:
          this.popAll(this.results);
          this.unreachable();
          break;
        case H.CALL: {
          const f = this.u32();
          const ti = f < s.funcType.length ? s.funcType[f]! : -1;
          if (ti < 0) fail();
          this.popAll(s.typeParams[ti]!);
          this.pushAll(s.typeResults[ti]!);
          break;
        }
        case H.CALL_INDIRECT: {
          const ti = this.u32();
          if (this.table(this.u32()) !== T.funcref || ti >= s.typeParams.length) fail();
          this.pop(T.i32);
          this.popAll(s.typeParams[ti]!);
          this.pushAll(s.typeResults[ti]!);
          break;
        }
        case H.DROP:
          this.pop(0);
          break;
        case H.SELECT:
          this.select();
          break;
        case H.SELECT_T: {
          // arity 1 in one byte, as profile() assumed when it peeked at the type
          if (this.u8() !== 1) fail();
          const t = this.u8();
          if (!isValType(t)) fail();
          this.pop(T.i32);
          this.pop(t);
          this.pop(t);
          this.push(t);
          break;
        }
        case H.LOCAL_GET:
          this.push(this.local(this.u32()));
          break;
        case H.LOCAL_SET:
          this.pop(this.local(this.u32()));
          break;
        case H.LOCAL_TEE: {
          const t = this.local(this.u32());
          this.pop(t);
          this.push(t);
          break;
        }
        case H.GLOBAL_GET:
          this.push(this.global(this.u32()));
          break;
        case H.GLOBAL_SET: {
          const g = this.u32();
          const t = this.global(g);
          if (!s.globalMutable[g]) fail();
          this.pop(t);
          break;
        }
        case H.I32_CONST:
          this.prevI32 = this.sleb(32);
          this.push(T.i32);
          break;
        default:
          this.tablesAndRefs(OPS.handler[slot]!);
      }
    }
  }

  /** Read an opcode; its dense slot, giving up on anything not in the pinned set. */
  private opcode(): number {
    const first = this.u8();
    let slot = first;
    if (first === 0xfc || first === 0xfd) {
      const sub = this.u32();
      if (sub >= (first === 0xfc ? 256 : 512)) fail();
      slot = (first === 0xfc ? 256 : 512) + sub;
    }
    if (OPS.info[slot] === undefined) fail();
    return slot;
  }

  /** Ask the profile about one instruction when one of its rules could apply (peeks immediates). */
  private profile(at: number, slot: number, info: OpInfo): void {
    const p = this.prof;
    let types: readonly ValType[] = [];
    let ask =
      OPS.simd[slot] === 1 ||
      (!p.floats && OPS.float[slot] === 1) ||
      (OPS.bulkMem[slot] === 1 && this.prevI32 !== undefined);
    const imm = OPS.imm[slot];
    if (imm === IMM.blocktype || imm === IMM.select_t) {
      // the type immediate: a block's single result type, or select's first type (arity 1 or it gives up)
      const b = this.bytes[imm === IMM.blocktype ? this.pos : this.pos + 1];
      if (
        b !== undefined &&
        (b === T.v128 || (!p.floats && (b === T.f32 || b === T.f64))) &&
        (imm === IMM.blocktype || this.bytes[this.pos] === 1)
      ) {
        types = [NAME_OF[b]!];
        ask = true;
      }
    }
    if (ask) p.report(at, info, types, OPS.bulkMem[slot] === 1 ? this.prevI32 : undefined);
  }

  /** Returns true at the function's final `end` (which must be the body's last byte). */
  private end_(): boolean {
    const top = this.depth - 1;
    if (top === 0) {
      this.popCtrl();
      if (this.pos !== this.end) fail();
      return true;
    }
    const kind = this.cKind[top]!;
    const start = this.cStart[top]!;
    const end = this.cEnd[top]!;
    this.popCtrl();
    if (kind === K_IF && !sameCodes(start, end)) fail();
    this.pushAll(end);
    return false;
  }

  private block(kind: number): void {
    const s = this.shape;
    let params: Uint8Array = EMPTY;
    let results: Uint8Array = EMPTY;
    if (this.pos >= this.end) fail();
    const b = this.bytes[this.pos]!;
    if (b === 0x40) this.pos++;
    else if (isValType(b)) {
      this.pos++;
      results = ONE[b]!;
    } else {
      const ti = this.sleb(33);
      if (ti < 0 || ti >= s.typeParams.length) fail();
      params = s.typeParams[ti]!;
      results = s.typeResults[ti]!;
    }
    if (kind === K_IF) this.pop(T.i32);
    this.popAll(params);
    this.pushCtrl(kind, params, results);
  }

  private brTable(): void {
    const n = this.count();
    if (n > V8_LIMITS.brTableLabels) fail(); // the reference reports V8's limit
    const first = this.pos;
    for (let i = 0; i < n; i++) this.u32();
    const dflt = this.label(this.u32());
    const after = this.pos;
    this.pos = first;
    this.pop(T.i32);
    for (let i = 0; i < n; i++) {
      const lt = this.label(this.u32());
      if (lt.length !== dflt.length) fail();
      // push back what was popped, not what was expected (the spec's pop_vals/push_vals)
      if (this.scratch.length < lt.length) this.scratch = new Uint8Array(lt.length * 2);
      const got = this.scratch;
      for (let k = lt.length - 1; k >= 0; k--) {
        const h = this.cHeight[this.depth - 1]!;
        got[k] = this.vlen === h ? 0 : this.vals[this.vlen - 1]!;
        this.pop(lt[k]!);
      }
      for (let k = 0; k < lt.length; k++) this.push(got[k]!);
    }
    this.pos = after;
    this.popAll(dflt);
    this.unreachable();
  }

  private select(): void {
    this.pop(T.i32);
    const t1 = this.pop(0);
    const t2 = this.pop(0);
    if (isRef(t1) || isRef(t2)) fail();
    if (t1 !== t2 && t1 !== 0 && t2 !== 0) fail();
    this.push(t1 === 0 ? t2 : t1);
  }

  /** Table, element, data and reference instructions (rare: out of the hot switch). */
  private tablesAndRefs(h: number): void {
    const s = this.shape;
    switch (h) {
      case H.TABLE_GET: {
        const t = this.table(this.u32());
        this.pop(T.i32);
        this.push(t);
        break;
      }
      case H.TABLE_SET: {
        const t = this.table(this.u32());
        this.pop(t);
        this.pop(T.i32);
        break;
      }
      case H.TABLE_SIZE:
        this.table(this.u32());
        this.push(T.i32);
        break;
      case H.TABLE_GROW: {
        const t = this.table(this.u32());
        this.pop(T.i32);
        this.pop(t);
        this.push(T.i32);
        break;
      }
      case H.TABLE_FILL: {
        const t = this.table(this.u32());
        this.pop(T.i32);
        this.pop(t);
        this.pop(T.i32);
        break;
      }
      case H.TABLE_COPY: {
        const d = this.table(this.u32());
        if (this.table(this.u32()) !== d) fail();
        this.pop(T.i32);
        this.pop(T.i32);
        this.pop(T.i32);
        break;
      }
      case H.TABLE_INIT: {
        const e = this.elem(this.u32());
        if (this.table(this.u32()) !== e) fail();
        this.pop(T.i32);
        this.pop(T.i32);
        this.pop(T.i32);
        break;
      }
      case H.ELEM_DROP:
        this.elem(this.u32());
        break;
      case H.MEMORY_INIT: {
        const d = this.u32();
        if (this.u8() !== 0) fail();
        this.memory();
        this.data(d);
        this.pop(T.i32);
        this.pop(T.i32);
        this.pop(T.i32);
        break;
      }
      case H.DATA_DROP:
        this.data(this.u32());
        break;
      case H.REF_NULL: {
        const t = this.u8();
        if (!isRef(t)) fail();
        this.push(t);
        break;
      }
      case H.REF_IS_NULL: {
        const t = this.pop(0);
        if (t !== 0 && !isRef(t)) fail();
        this.push(T.i32);
        break;
      }
      case H.REF_FUNC: {
        const f = this.u32();
        if (f >= s.funcType.length || s.funcType[f]! < 0 || !s.refs[f]) fail();
        this.push(T.funcref);
        break;
      }
      default:
        fail();
    }
  }

  /** An instruction typed by its signature, after its immediates are read and checked. */
  private generic(slot: number): void {
    switch (OPS.imm[slot]) {
      case IMM.none:
        break;
      case IMM.u32:
        this.u32();
        break;
      case IMM.memarg:
      case IMM.memarg_lane:
        this.memarg(slot);
        break;
      case IMM.i64:
        this.sleb(64);
        break;
      case IMM.f32:
        this.skip(4);
        break;
      case IMM.f64:
        this.skip(8);
        break;
      case IMM.v128:
        this.skip(16);
        break;
      case IMM.shuffle:
        for (let i = 0; i < 16; i++) if (this.u8() >= 32) fail();
        break;
      case IMM.lane:
        if (this.u8() >= OPS.lanes[slot]!) fail();
        break;
      case IMM.zero_byte:
        if (this.u8() !== 0) fail();
        this.memory();
        break;
      case IMM.zero_zero:
        if (this.u8() !== 0 || this.u8() !== 0) fail();
        this.memory();
        break;
      default:
        fail();
    }
    if (OPS.noSig[slot]) fail();
    this.popAll(OPS.params[slot]!);
    this.pushAll(OPS.results[slot]!);
  }

  private memarg(slot: number): void {
    const flags = this.u32();
    if (flags >= 128) fail();
    if (flags & 64 && this.u32() !== 0) fail();
    this.u32();
    this.memory();
    // 2^align must not exceed the width (at most 16 bytes: an exponent above 4 never fits); bit 6
    // counts in the exponent (multi-memory is outside the pinned set): the reference reports it
    const width = OPS.width[slot]!;
    if (width !== 0 && (flags > 4 || 1 << flags > width)) fail();
    if (OPS.imm[slot] === IMM.memarg_lane && this.u8() >= OPS.lanes[slot]!) fail();
  }
}

function grow8(a: Uint8Array): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(a.length * 2);
  b.set(a);
  return b;
}

function sameCodes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
