/**
 * The run loop of the reference interpreter: one value stack (locals and operands of every frame),
 * an explicit frame stack (no JS recursion per wasm call, so the native stack never limits or
 * changes a result), fuel and the logical stack budget enforced by the interpreter's own rules.
 *
 * Fuel is held as a JS number: exact up to 2^53 units used, which at this interpreter's speed is
 * decades of compute; limits above 2^53 are treated as 2^53 (never reached).
 */
import { IcnError } from '../../errors.js';
import { trapFromIcnCode } from '../traps.js';
import type { WasmModule } from '../binary/types.js';
import {
  compileFunction,
  X_BR,
  X_BR_IF,
  X_BR_IF_0,
  X_BR_TABLE,
  X_CHARGE,
  X_IF,
  X_JMP,
  X_RETURN,
  type BranchTarget,
  type Compiled,
} from './compile.js';
import { loadFn, pureFn, step, storeFn, type BinaryFn, type UnaryFn } from './generic.js';
import { generateInstance, JS_TIER_WEIGHT } from './jit.js';
import { WasmTrap } from './numeric.js';
import { Op } from './opcode-names.js';
import { SCOPE } from './ops.js';
import { fromJsArgs, fromJsResult, toJsArgs, toJsResult } from './rep.js';
import {
  defaultValue,
  growMemory,
  growTable,
  PAGE,
  type FuncInst,
  type Instance,
  type MemInst,
  type TableInst,
  type Val,
} from './store.js';

// the run loop's hottest operators, each bound to its own function (one call target per call site)
const I32_LOAD = loadFn(Op.I32Load),
  I32_LOAD8_U = loadFn(Op.I32Load8U),
  F64_LOAD = loadFn(Op.F64Load);
const I32_STORE = storeFn(Op.I32Store),
  I32_STORE8 = storeFn(Op.I32Store8);
const I32_EQZ = pureFn<UnaryFn>(Op.I32Eqz);
const bin = (k: number): BinaryFn => pureFn<BinaryFn>(k);
const I32_EQ = bin(Op.I32Eq),
  I32_NE = bin(Op.I32Ne),
  I32_LT_S = bin(Op.I32LtS),
  I32_LT_U = bin(Op.I32LtU);
const I32_GT_S = bin(Op.I32GtS),
  I32_GT_U = bin(Op.I32GtU),
  I32_LE_S = bin(Op.I32LeS),
  I32_LE_U = bin(Op.I32LeU);
const I32_GE_S = bin(Op.I32GeS),
  I32_GE_U = bin(Op.I32GeU),
  I32_ADD = bin(Op.I32Add),
  I32_SUB = bin(Op.I32Sub);
const I32_MUL = bin(Op.I32Mul),
  I32_AND = bin(Op.I32And),
  I32_OR = bin(Op.I32Or),
  I32_XOR = bin(Op.I32Xor);
const I32_SHL = bin(Op.I32Shl),
  I32_SHR_S = bin(Op.I32ShrS),
  I32_SHR_U = bin(Op.I32ShrU),
  I32_ROTL = bin(Op.I32Rotl);
const I32_ROTR = bin(Op.I32Rotr),
  F64_ADD = bin(Op.F64Add),
  F64_SUB = bin(Op.F64Sub),
  F64_MUL = bin(Op.F64Mul);
const F64_GT = bin(Op.F64Gt);

export type TraceEvent =
  | { ev: 'charge'; func: number; offset: number; amount: number; fuelLeft: string }
  | { ev: 'call'; func: number | string; depth: number; stackSlots: number }
  | { ev: 'return'; func: number | string; depth: number }
  | { ev: 'trap'; trap: string; func: number; offset: number; detail?: string };

export interface MachineOptions {
  /** Fuel cost of an operator key (the cost table, looked up by name). */
  costOf: (op: number) => number;
  /** Length-proportional cost of a bulk operator key (0 when not bulk). */
  bulkPerUnit: (op: number) => number;
  frameOverheadSlots: number;
  maxStackSlots: number;
  /** memory.copy/fill/init length limit, checked after the bounds check and before the length charge. */
  maxBulkBytes: number;
  /** Collect an event trace (bounded by traceLimit events; the rest is dropped and counted). Implies tier 'loop'. */
  trace?: boolean;
  /**
   * 'js' (default): functions are translated to JS once (jit.ts), and frames past its native depth
   * budget run in the loop; 'loop': everything runs in the run loop below (the trace always does).
   */
  tier?: 'js' | 'loop';
  traceLimit?: number;
}

/** The host side of a trap raised inside a host function (icn.log out of bounds, …). */
export class HostTrap extends Error {
  override readonly name = 'HostTrap';
}

const FUEL_CAP = 2 ** 53;
/** The instrumenter's __icn_trap code for a bulk operation over the length limit (its trap name is traps.ts's). */
const ICN_BULK_LIMIT = 4;
const STACK_INIT = 1 << 16;

/** Compile on first call; modules are kept with their instance through FuncInst.inst. */
export interface CodeSource {
  module: WasmModule;
  funcTypeOf: (i: number) => import('../binary/types.js').FuncType;
}
const sources = new WeakMap<Instance, CodeSource>();
export function attachSource(inst: Instance, src: CodeSource): void {
  sources.set(inst, src);
}

/** A function in the JS tier's calling convention (rep.ts: toJsArgs, toJsResult). */
export type JsFn = (...args: Val[]) => unknown;

export class Machine {
  // generic elements from the start: a Smi-only array would change map (and deoptimize the loop) on the first bigint or large i32
  private readonly S: Val[] = new Array(STACK_INIT).fill(null);
  readonly tier: 'js' | 'loop';
  fuelLimit = FUEL_CAP;
  fuelLeft = FUEL_CAP;
  stackUsed = 0;
  /** Native frame weight of the active JS-tier frames (jit.ts). */
  jsWeight = 0;
  /** The JS tier's return channel for the high half of a lone i64 result (rep.ts's convention). */
  rh = 0;
  trace: TraceEvent[] | undefined;
  traceDropped = 0;
  private readonly traceLimit: number;

  constructor(readonly opts: MachineOptions) {
    this.traceLimit = opts.traceLimit ?? 1_000_000;
    if (opts.trace) this.trace = [];
    this.tier = opts.trace ? 'loop' : (opts.tier ?? 'js');
  }

  /** The JS-tier function of f for this machine (its instance is translated on first use). */
  jsFn(f: FuncInst): JsFn {
    if (f.jsOwner === this) return f.js!;
    if (f.host) {
      const { params, results } = f.type;
      const fn: JsFn = (...args) =>
        toJsResult(results, this.callHost(f, fromJsArgs(params, args)), this);
      f.js = fn;
      f.jsOwner = this;
      return fn;
    }
    this.translate(f.inst!);
    return f.js!;
  }

  private translate(inst: Instance): void {
    const src = sources.get(inst)!;
    const { source, defined } = generateInstance({
      module: src.module,
      inst,
      costOf: this.opts.costOf,
      frameSlots: (f) => this.code(f).frameSlots,
      slotLimit: this.opts.maxStackSlots,
    });
    const runtime = {
      inst,
      scope: [...SCOPE.values()],
      trap: (t: import('../traps.js').Trap, detail?: string) => new WasmTrap(t, detail),
      oob: (ea: number, w: number) => new WasmTrap('memory_oob', `access of ${w} bytes at ${ea}`),
      oof: (c: number) => new WasmTrap('out_of_fuel', `charge ${c} with ${this.fuelLeft} left`),
      jsFn: (f: FuncInst) => this.jsFn(f),
      deep: (f: FuncInst, args: unknown[]) =>
        toJsResult(f.type.results, this.run(f, fromJsArgs(f.type.params, args)), this),
      special: (o: number, ia: number, ib: number, args: Val[], fi: number, at: number) =>
        this.jsSpecial(o, ia, ib, args, inst, fi, at),
      growMemory,
    };
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the JS tier: our own generated source, no input text
    const fns = new Function('M', 'R', source)(this, runtime) as JsFn[];
    defined.forEach((fi, k) => {
      const f = inst.funcs[fi]!;
      f.js = fns[k]!;
      f.jsOwner = this;
    });
  }

  /** A bulk/table operator for the JS tier, through the run loop's implementation. */
  private jsSpecial(
    o: number,
    ia: number,
    ib: number,
    args: Val[],
    inst: Instance,
    fi: number,
    at: number,
  ): Val {
    const S = this.S;
    for (let i = 0; i < args.length; i++) S[i] = args[i]!;
    const sp = this.special(o, ia, ib, args.length, inst, inst.mems[0]!, fi, at);
    return sp > 0 ? S[sp - 1]! : null;
  }

  setFuel(limit: bigint): void {
    const n = limit > BigInt(FUEL_CAP) ? FUEL_CAP : Number(limit);
    this.fuelLimit = n;
    this.fuelLeft = n;
  }

  fuelUsed(): bigint {
    return BigInt(this.fuelLimit - this.fuelLeft);
  }

  private ev(e: TraceEvent): void {
    if (!this.trace) return;
    if (this.trace.length < this.traceLimit) this.trace.push(e);
    else this.traceDropped++;
  }

  code(f: FuncInst): Compiled {
    if (f.code) return f.code;
    const src = sources.get(f.inst!)!;
    f.code = compileFunction(src.module, f.index!, src.funcTypeOf, {
      costOf: this.opts.costOf,
      frameOverheadSlots: this.opts.frameOverheadSlots,
    });
    return f.code;
  }

  /** After a bulk operator's bounds check: the profile's length limit (memory ops), then the length charge. */
  private bulk(op: number, n: number, fi: number, at: number): void {
    if (
      op !== Op.TableInit &&
      op !== Op.TableCopy &&
      op !== Op.TableFill &&
      n > this.opts.maxBulkBytes
    ) {
      const t = trapFromIcnCode(ICN_BULK_LIMIT);
      if (t === undefined)
        throw new IcnError(
          'HARNESS_FAULT',
          `bulk operation of ${n} bytes is over the profile's limit of ${this.opts.maxBulkBytes}, and the trap enum has no name for it yet (__icn_trap ${ICN_BULK_LIMIT})`,
        );
      throw this.trap(t, fi, at, `bulk length ${n} over ${this.opts.maxBulkBytes}`);
    }
    const cost = this.opts.bulkPerUnit(op) * n;
    if (cost === 0) return;
    if (cost > this.fuelLeft) throw this.trap('out_of_fuel', fi, at, `bulk charge ${cost}`);
    this.fuelLeft -= cost;
    if (this.trace)
      this.ev({
        ev: 'charge',
        func: fi,
        offset: at,
        amount: cost,
        fuelLeft: String(this.fuelLeft),
      });
  }

  /** Take a frame's logical stack slots, or trap stack_exhausted. */
  private takeFrame(c: Compiled, f: FuncInst): void {
    if (this.stackUsed + c.frameSlots > this.opts.maxStackSlots)
      throw this.trap(
        'stack_exhausted',
        f.index!,
        0,
        `frame of ${c.frameSlots} slots at ${this.stackUsed}/${this.opts.maxStackSlots}`,
      );
    this.stackUsed += c.frameSlots;
  }

  private oobTrap(fi: number, at: number, ea: number, w: number): WasmTrap {
    return this.trap('memory_oob', fi, at, `access of ${w} bytes at ${ea}`);
  }

  private trap(t: import('../traps.js').Trap, fi: number, at: number, detail?: string): WasmTrap {
    const e = new WasmTrap(t, detail);
    (e as WasmTrap & { where?: [number, number] }).where = [fi, at];
    return e;
  }

  /** Call a function with arguments; returns its results or throws WasmTrap. */
  invoke(f: FuncInst, args: Val[]): Val[] {
    this.stackUsed = 0;
    this.jsWeight = 0;
    try {
      if (this.tier === 'loop') return this.run(f, args);
      const { params, results } = f.type;
      const r = this.jsFn(f)(...(toJsArgs(params, args) as Val[]));
      return fromJsResult(results, r, this.rh);
    } catch (e) {
      if (e instanceof RangeError && /call stack/i.test(e.message)) {
        throw new IcnError(
          'HARNESS_FAULT',
          `the interpreter's JS tier ran out of native stack (a bug: it nests at most ${JS_TIER_WEIGHT} units of frame weight): ${e.message}`,
        );
      }
      if (e instanceof WasmTrap) {
        const w = (e as WasmTrap & { where?: [number, number] }).where;
        if (this.trace)
          this.ev(
            w
              ? { ev: 'trap', trap: e.trap, func: w[0], offset: w[1], detail: e.message }
              : { ev: 'trap', trap: e.trap, func: -1, offset: -1, detail: e.message },
          );
      }
      throw e;
    } finally {
      this.stackUsed = 0;
    }
  }

  private callHost(f: FuncInst, args: Val[]): Val[] {
    if (this.trace)
      this.ev({ ev: 'call', func: f.name ?? 'host', depth: -1, stackSlots: this.stackUsed });
    let r: Val[];
    try {
      r = f.host!(args);
    } catch (e) {
      if (e instanceof HostTrap) throw new WasmTrap('host_error', e.message);
      throw e;
    }
    if (this.trace) this.ev({ ev: 'return', func: f.name ?? 'host', depth: -1 });
    return r;
  }

  private run(entry: FuncInst, args: Val[]): Val[] {
    if (entry.host) return this.callHost(entry, args);
    const S = this.S;
    const opts = this.opts;
    const tracing = this.trace !== undefined;
    // frame stack: caller function, return pc, frame pointer
    const fFunc: FuncInst[] = [];
    const fPc: number[] = [];
    const fFp: number[] = [];

    let sp = 0;
    for (const v of args) S[sp++] = v;

    let cur = entry;
    let C = this.code(cur);
    let OPS = C.op,
      A = C.a,
      B = C.b,
      K = C.k;
    let pc = 0;
    let fp = 0;
    let base = 0;
    let inst: Instance = cur.inst!;
    let mem: MemInst = inst.mems[0]!;
    let fi = cur.index!;
    let depth = 0;

    // entering a frame is written out here and in `call` (a closure over these locals would force
    // them into a heap context and slow every instruction)
    {
      const c = C;
      this.takeFrame(c, entry);
      fp = sp - c.nParams;
      const lt = c.localTypes;
      for (let i = c.nParams; i < lt.length; i++) S[sp++] = defaultValue(lt[i]!);
      base = sp;
      if (tracing) this.ev({ ev: 'call', func: fi, depth, stackSlots: this.stackUsed });
    }

    for (;;) {
      const o = OPS[pc]!;
      const ia = A[pc]!;
      pc++;
      switch (o) {
        case X_CHARGE:
          if (ia > this.fuelLeft)
            throw this.trap(
              'out_of_fuel',
              fi,
              C.at[pc - 1]!,
              `charge ${ia} with ${this.fuelLeft} left`,
            );
          this.fuelLeft -= ia;
          if (tracing)
            this.ev({
              ev: 'charge',
              func: fi,
              offset: C.at[pc - 1]!,
              amount: ia,
              fuelLeft: String(this.fuelLeft),
            });
          break;
        case X_JMP:
          pc = ia;
          break;
        case X_IF:
          if (S[--sp] === 0) pc = ia;
          break;
        case X_BR:
          {
            const ar = B[pc - 1]!,
              dst = base + C.c[pc - 1]!;
            if (ar !== 0) for (let i = 0; i < ar; i++) S[dst + i] = S[sp - ar + i]!;
            sp = dst + ar;
            pc = ia;
          }
          break;
        case X_BR_IF:
          if (S[--sp] !== 0) {
            const ar = B[pc - 1]!,
              dst = base + C.c[pc - 1]!;
            if (ar !== 0) for (let i = 0; i < ar; i++) S[dst + i] = S[sp - ar + i]!;
            sp = dst + ar;
            pc = ia;
          }
          break;
        case X_BR_IF_0:
          if (S[--sp] !== 0) pc = ia;
          break;
        case X_BR_TABLE: {
          const i = (S[--sp] as number) >>> 0;
          const n = B[pc - 1]!;
          const t = (K[ia] as BranchTarget[])[i < n ? i : n]!;
          {
            const ar = t.arity,
              dst = base + t.height;
            if (ar !== 0) for (let i = 0; i < ar; i++) S[dst + i] = S[sp - ar + i]!;
            sp = dst + ar;
            pc = t.pc;
          }
          break;
        }
        case X_RETURN: {
          const n = C.nResults;
          for (let i = 0; i < n; i++) S[fp + i] = S[sp - n + i]!;
          sp = fp + n;
          this.stackUsed -= C.frameSlots;
          if (tracing) this.ev({ ev: 'return', func: fi, depth });
          if (depth === 0) return S.slice(0, n);
          depth--;
          const f = fFunc.pop()!;
          pc = fPc.pop()!;
          fp = fFp.pop()!;
          cur = f;
          C = this.code(f);
          OPS = C.op;
          A = C.a;
          B = C.b;
          K = C.k;
          base = fp + C.localTypes.length;
          inst = f.inst!;
          mem = inst.mems[0]!;
          fi = f.index!;
          break;
        }
        case Op.Unreachable:
          throw this.trap('unreachable', fi, C.at[pc - 1]!);
        case Op.Nop:
          break;
        case Op.Call:
        case Op.CallIndirect: {
          let f: FuncInst;
          if (o === Op.Call) f = inst.funcs[ia]!;
          else
            f = this.indirect(inst, (S[--sp] as number) >>> 0, B[pc - 1]!, ia, fi, C.at[pc - 1]!);
          if (f.host) {
            const np = f.type.params.length;
            const hargs = S.slice(sp - np, sp);
            sp -= np;
            const r = this.callHost(f, hargs);
            for (const v of r) S[sp++] = v;
            break;
          }
          fFunc.push(cur);
          fPc.push(pc);
          fFp.push(fp);
          depth++;
          const c = this.code(f);
          this.takeFrame(c, f);
          fp = sp - c.nParams;
          const lt = c.localTypes;
          for (let i = c.nParams; i < lt.length; i++) S[sp++] = defaultValue(lt[i]!);
          base = sp;
          cur = f;
          C = c;
          OPS = c.op;
          A = c.a;
          B = c.b;
          K = c.k;
          pc = 0;
          inst = f.inst!;
          mem = inst.mems[0]!;
          fi = f.index!;
          if (tracing) this.ev({ ev: 'call', func: fi, depth, stackSlots: this.stackUsed });
          break;
        }
        case Op.Drop:
          sp--;
          break;
        case Op.Select:
        case Op.SelectT: {
          const c = S[--sp];
          const v2 = S[--sp]!;
          if (c === 0) S[sp - 1] = v2;
          break;
        }
        case Op.LocalGet:
          S[sp++] = S[fp + ia]!;
          break;
        case Op.LocalSet:
          S[fp + ia] = S[--sp]!;
          break;
        case Op.LocalTee:
          S[fp + ia] = S[sp - 1]!;
          break;
        case Op.GlobalGet:
          S[sp++] = inst.globals[ia]!.value;
          break;
        case Op.GlobalSet:
          inst.globals[ia]!.value = S[--sp]!;
          break;
        case Op.TableGet: {
          const t = inst.tables[ia]!;
          const i = (S[sp - 1] as number) >>> 0;
          if (i >= t.elems.length) throw this.trap('table_oob', fi, C.at[pc - 1]!);
          S[sp - 1] = t.elems[i]!;
          break;
        }
        case Op.TableSet: {
          const t = inst.tables[ia]!;
          const v = S[--sp]!;
          const i = (S[--sp] as number) >>> 0;
          if (i >= t.elems.length) throw this.trap('table_oob', fi, C.at[pc - 1]!);
          t.elems[i] = v;
          break;
        }
        // ---- the hottest operators: each its own function from the operator table (ops.ts), inlined by V8 ----
        case Op.I32Load: {
          const ea = ((S[sp - 1] as number) >>> 0) + (ia >>> 0);
          if (ea + 4 > mem.bytes.length) throw this.oobTrap(fi, C.at[pc - 1]!, ea, 4);
          S[sp - 1] = I32_LOAD(mem.bytes, mem.view, ea);
          break;
        }
        case Op.I32Load8U: {
          const ea = ((S[sp - 1] as number) >>> 0) + (ia >>> 0);
          if (ea + 1 > mem.bytes.length) throw this.oobTrap(fi, C.at[pc - 1]!, ea, 1);
          S[sp - 1] = I32_LOAD8_U(mem.bytes, mem.view, ea);
          break;
        }
        case Op.F64Load: {
          const ea = ((S[sp - 1] as number) >>> 0) + (ia >>> 0);
          if (ea + 8 > mem.bytes.length) throw this.oobTrap(fi, C.at[pc - 1]!, ea, 8);
          S[sp - 1] = F64_LOAD(mem.bytes, mem.view, ea);
          break;
        }
        case Op.I32Store: {
          const v = S[--sp]!;
          const ea = ((S[--sp] as number) >>> 0) + (ia >>> 0);
          if (ea + 4 > mem.bytes.length) throw this.oobTrap(fi, C.at[pc - 1]!, ea, 4);
          I32_STORE(mem.bytes, mem.view, ea, v);
          break;
        }
        case Op.I32Store8: {
          const v = S[--sp]!;
          const ea = ((S[--sp] as number) >>> 0) + (ia >>> 0);
          if (ea + 1 > mem.bytes.length) throw this.oobTrap(fi, C.at[pc - 1]!, ea, 1);
          I32_STORE8(mem.bytes, mem.view, ea, v);
          break;
        }
        case Op.I32Eqz:
          S[sp - 1] = I32_EQZ(S[sp - 1]!);
          break;
        case Op.I32Eq: {
          const b = S[--sp]!;
          S[sp - 1] = I32_EQ(S[sp - 1]!, b);
          break;
        }
        case Op.I32Ne: {
          const b = S[--sp]!;
          S[sp - 1] = I32_NE(S[sp - 1]!, b);
          break;
        }
        case Op.I32LtS: {
          const b = S[--sp]!;
          S[sp - 1] = I32_LT_S(S[sp - 1]!, b);
          break;
        }
        case Op.I32LtU: {
          const b = S[--sp]!;
          S[sp - 1] = I32_LT_U(S[sp - 1]!, b);
          break;
        }
        case Op.I32GtS: {
          const b = S[--sp]!;
          S[sp - 1] = I32_GT_S(S[sp - 1]!, b);
          break;
        }
        case Op.I32GtU: {
          const b = S[--sp]!;
          S[sp - 1] = I32_GT_U(S[sp - 1]!, b);
          break;
        }
        case Op.I32LeS: {
          const b = S[--sp]!;
          S[sp - 1] = I32_LE_S(S[sp - 1]!, b);
          break;
        }
        case Op.I32LeU: {
          const b = S[--sp]!;
          S[sp - 1] = I32_LE_U(S[sp - 1]!, b);
          break;
        }
        case Op.I32GeS: {
          const b = S[--sp]!;
          S[sp - 1] = I32_GE_S(S[sp - 1]!, b);
          break;
        }
        case Op.I32GeU: {
          const b = S[--sp]!;
          S[sp - 1] = I32_GE_U(S[sp - 1]!, b);
          break;
        }
        case Op.I32Add: {
          const b = S[--sp]!;
          S[sp - 1] = I32_ADD(S[sp - 1]!, b);
          break;
        }
        case Op.I32Sub: {
          const b = S[--sp]!;
          S[sp - 1] = I32_SUB(S[sp - 1]!, b);
          break;
        }
        case Op.I32Mul: {
          const b = S[--sp]!;
          S[sp - 1] = I32_MUL(S[sp - 1]!, b);
          break;
        }
        case Op.I32And: {
          const b = S[--sp]!;
          S[sp - 1] = I32_AND(S[sp - 1]!, b);
          break;
        }
        case Op.I32Or: {
          const b = S[--sp]!;
          S[sp - 1] = I32_OR(S[sp - 1]!, b);
          break;
        }
        case Op.I32Xor: {
          const b = S[--sp]!;
          S[sp - 1] = I32_XOR(S[sp - 1]!, b);
          break;
        }
        case Op.I32Shl: {
          const b = S[--sp]!;
          S[sp - 1] = I32_SHL(S[sp - 1]!, b);
          break;
        }
        case Op.I32ShrS: {
          const b = S[--sp]!;
          S[sp - 1] = I32_SHR_S(S[sp - 1]!, b);
          break;
        }
        case Op.I32ShrU: {
          const b = S[--sp]!;
          S[sp - 1] = I32_SHR_U(S[sp - 1]!, b);
          break;
        }
        case Op.I32Rotl: {
          const b = S[--sp]!;
          S[sp - 1] = I32_ROTL(S[sp - 1]!, b);
          break;
        }
        case Op.I32Rotr: {
          const b = S[--sp]!;
          S[sp - 1] = I32_ROTR(S[sp - 1]!, b);
          break;
        }
        case Op.F64Add: {
          const b = S[--sp]!;
          S[sp - 1] = F64_ADD(S[sp - 1]!, b);
          break;
        }
        case Op.F64Sub: {
          const b = S[--sp]!;
          S[sp - 1] = F64_SUB(S[sp - 1]!, b);
          break;
        }
        case Op.F64Mul: {
          const b = S[--sp]!;
          S[sp - 1] = F64_MUL(S[sp - 1]!, b);
          break;
        }
        case Op.F64Gt: {
          const b = S[--sp]!;
          S[sp - 1] = F64_GT(S[sp - 1]!, b);
          break;
        }
        case Op.MemorySize:
          S[sp++] = mem.bytes.length / PAGE;
          break;
        case Op.MemoryGrow:
          S[sp - 1] = growMemory(mem, (S[sp - 1] as number) >>> 0);
          break;
        // ---- constants (f32 as bits in a, i64/f64 as bigint in k) ----
        case Op.I32Const:
        case Op.F32Const:
          S[sp++] = ia;
          break;
        case Op.I64Const:
        case Op.F64Const:
          S[sp++] = K[ia] as bigint;
          break;
        default: {
          // every value operator, load and store: the operator table's step (ops.ts, generic.ts)
          let n: number;
          try {
            n = step(o, ia, S, sp, mem);
          } catch (e) {
            throw this.locate(e, fi, C.at[pc - 1]!);
          }
          sp = n >= 0 ? n : this.special(o, ia, B[pc - 1]!, sp, inst, mem, fi, C.at[pc - 1]!);
        }
      }
    }
  }

  /** call_indirect's callee: table bounds, null entry and signature checks. */
  private indirect(
    inst: Instance,
    i: number,
    table: number,
    type: number,
    fi: number,
    at: number,
  ): FuncInst {
    const t = inst.tables[table]!;
    if (i >= t.elems.length)
      throw this.trap('table_oob', fi, at, `call_indirect index ${i} of ${t.elems.length}`);
    const e = t.elems[i] as FuncInst | null;
    // V8 cannot tell a null entry from a signature mismatch; one trap name keeps results equal
    if (e === null) throw this.trap('indirect_call_mismatch', fi, at, 'null table entry');
    if (e.typeKey !== inst.typeKeys[type])
      throw this.trap(
        'indirect_call_mismatch',
        fi,
        at,
        `signature ${e.typeKey}, expected ${inst.typeKeys[type]}`,
      );
    return e;
  }

  private locate(e: unknown, fi: number, at: number): unknown {
    if (e instanceof WasmTrap) (e as WasmTrap & { where?: [number, number] }).where = [fi, at];
    return e;
  }

  /** Reference, table and bulk-memory operators: rare enough to live outside the hot switch. */
  private special(
    o: number,
    ia: number,
    ib: number,
    sp: number,
    inst: Instance,
    mem: MemInst,
    fi: number,
    at: number,
  ): number {
    const S = this.S;
    switch (o) {
      case Op.RefNull:
        S[sp++] = null;
        return sp;
      case Op.RefIsNull:
        S[sp - 1] = S[sp - 1] === null ? 1 : 0;
        return sp;
      case Op.RefFunc:
        S[sp++] = inst.funcs[ia]!;
        return sp;
      case Op.DataDrop:
        inst.datas[ia] = null;
        return sp;
      case Op.ElemDrop:
        inst.elems[ia] = null;
        return sp;
      case Op.TableSize:
        S[sp++] = inst.tables[ia]!.elems.length;
        return sp;
      case Op.MemoryInit:
      case Op.MemoryCopy:
      case Op.MemoryFill:
        return this.memoryBulk(o, ia, sp, inst, mem, fi, at);
      case Op.TableInit:
      case Op.TableCopy:
      case Op.TableGrow:
      case Op.TableFill:
        return this.tableOp(o, ia, ib, sp, inst, fi, at);
    }
    throw new Error(
      `interp: operator 0x${o.toString(16)} is not implemented (outside the dc/dc-float profiles?)`,
    );
  }

  /** memory.init (data=ia), memory.copy, memory.fill: bounds checked before any byte moves. */
  private memoryBulk(
    o: number,
    ia: number,
    sp: number,
    inst: Instance,
    mem: MemInst,
    fi: number,
    at: number,
  ): number {
    const S = this.S;
    const n = u32(S[--sp]!);
    switch (o) {
      case Op.MemoryInit: {
        const s = u32(S[--sp]!),
          d = u32(S[--sp]!);
        const seg = inst.datas[ia] ?? EMPTY;
        if (s + n > seg.length || mem === undefined || d + n > mem.bytes.length)
          throw this.trap('memory_oob', fi, at, 'memory.init');
        this.bulk(o, n, fi, at);
        mem.bytes.set(seg.subarray(s, s + n), d);
        return sp;
      }
      case Op.MemoryCopy: {
        const s = u32(S[--sp]!),
          d = u32(S[--sp]!);
        if (mem === undefined || s + n > mem.bytes.length || d + n > mem.bytes.length)
          throw this.trap('memory_oob', fi, at, 'memory.copy');
        this.bulk(o, n, fi, at);
        mem.bytes.copyWithin(d, s, s + n);
        return sp;
      }
      default: {
        // memory.fill
        const v = S[--sp] as number,
          d = u32(S[--sp]!);
        if (mem === undefined || d + n > mem.bytes.length)
          throw this.trap('memory_oob', fi, at, 'memory.fill');
        this.bulk(o, n, fi, at);
        mem.bytes.fill(v & 0xff, d, d + n);
        return sp;
      }
    }
  }

  /** table.init (elem=ia table=ib), table.copy (dst=ia src=ib), table.grow, table.fill (table=ia). */
  private tableOp(
    o: number,
    ia: number,
    ib: number,
    sp: number,
    inst: Instance,
    fi: number,
    at: number,
  ): number {
    const S = this.S;
    const n = u32(S[--sp]!);
    switch (o) {
      case Op.TableInit: {
        const s = u32(S[--sp]!),
          d = u32(S[--sp]!);
        const seg = inst.elems[ia] ?? [];
        const t = inst.tables[ib]!;
        if (s + n > seg.length || d + n > t.elems.length)
          throw this.trap('table_oob', fi, at, 'table.init');
        this.bulk(o, n, fi, at);
        for (let i = 0; i < n; i++) t.elems[d + i] = seg[s + i]!;
        return sp;
      }
      case Op.TableCopy: {
        const s = u32(S[--sp]!),
          d = u32(S[--sp]!);
        const td = inst.tables[ia]!,
          ts = inst.tables[ib]!;
        if (s + n > ts.elems.length || d + n > td.elems.length)
          throw this.trap('table_oob', fi, at, 'table.copy');
        this.bulk(o, n, fi, at);
        const tmp = ts.elems.slice(s, s + n);
        for (let i = 0; i < n; i++) td.elems[d + i] = tmp[i]!;
        return sp;
      }
      case Op.TableGrow: {
        const init = S[sp - 1]!;
        S[sp - 1] = growTable(inst.tables[ia]!, n, init);
        return sp;
      }
      default: {
        // table.fill
        const v = S[--sp]!,
          d = u32(S[--sp]!);
        const t: TableInst = inst.tables[ia]!;
        if (d + n > t.elems.length) throw this.trap('table_oob', fi, at, 'table.fill');
        this.bulk(o, n, fi, at);
        for (let i = 0; i < n; i++) t.elems[d + i] = v;
        return sp;
      }
    }
  }
}

/** An i32 stack value as an unsigned count or address. */
const u32 = (v: Val): number => (v as number) >>> 0;

const EMPTY = new Uint8Array(0);
