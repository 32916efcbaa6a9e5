/**
 * Function bodies (core/wasm/binary's Instr lists) → a flat code form the machine runs without a
 * runtime control stack:
 *   - structured control is resolved at compile time: every branch carries its target pc, its arity
 *     and the operand height to cut back to (heights are static in valid code);
 *   - `block`, `loop`, `end` vanish; `if` becomes a conditional jump, `else` an unconditional one;
 *   - fuel is charged by CHARGE pseudo-instructions placed at the start of each metered block
 *     (metering.ts decides where and how much, from the cost table);
 *   - the logical stack cost of the frame (locals + maximum operand height + frame overhead) is
 *     computed here, by this module's own walk over the body.
 * The input must be valid (the profile validator runs first); the compiler does not re-validate.
 */
import { opInfo, parseSig } from '../binary/opcodes.js';
import type { BlockType, FuncType, Instr, ValType, WasmModule } from '../binary/types.js';
import { planCharges, type MeterPlan } from './metering.js';
import { Op } from './opcode-names.js';

// pseudo-opcodes (outside every real opcode key)
export const X_CHARGE = 0x1000;
export const X_JMP = 0x1001;
export const X_BR = 0x1002;
export const X_BR_IF = 0x1003;
export const X_BR_TABLE = 0x1004;
export const X_IF = 0x1005;
export const X_RETURN = 0x1006;
/** A branch that keeps no values and cuts nothing (the common `br_if` out of a block). */
export const X_BR_IF_0 = 0x1007;

export interface BranchTarget {
  pc: number;
  arity: number;
  /** Operand height (above the locals) to cut back to. */
  height: number;
}

export interface Compiled {
  /** Opcode key (or X_*) per instruction. */
  op: Int32Array;
  /** Immediates: a = first index/const/target pc, b = second, c = third; k = non-int constants. */
  a: Int32Array;
  b: Int32Array;
  c: Int32Array;
  k: unknown[];
  /** Offset in the module's bytes of each instruction (CHARGE: of the block's first instruction). */
  at: Int32Array;
  nParams: number;
  nResults: number;
  /** Types of params then declared locals. */
  localTypes: ValType[];
  maxOperandHeight: number;
  /** Logical stack slots this frame costs: locals + maxOperandHeight + frame overhead. */
  frameSlots: number;
  /** Fuel charged on entry (also emitted as the first CHARGE; kept for the trace). */
  entryCharge: number;
}

export interface CompileOptions {
  costOf: (op: number) => number;
  frameOverheadSlots: number;
}

export function blockSig(m: WasmModule, bt: BlockType | undefined): FuncType {
  if (bt === undefined || bt.kind === 'empty') return { params: [], results: [] };
  if (bt.kind === 'val') return { params: [], results: [bt.type] };
  return m.types[bt.index]!;
}

interface Ctl {
  kind: 'block' | 'loop' | 'if' | 'func';
  /** Height at entry, below the block's params. */
  height: number;
  nParams: number;
  nResults: number;
  /** Loop: its start pc. */
  start: number;
  /** Instructions whose `a` is this block's end pc, patched at `end`. */
  fixups: number[];
  /** br_table entries targeting this block's end, patched at `end`. */
  tableTargets: BranchTarget[];
  /** If: the X_IF instruction to patch with the else/end target. */
  ifAt: number;
  unreachable: boolean;
}

/** Stack effect (pops, pushes) of a non-control instruction, for the static height walk. */
function effect(m: WasmModule, funcType: (i: number) => FuncType, ins: Instr): [number, number] {
  const info = opInfo(ins.op)!;
  if (info.sig !== undefined) {
    const s = parseSig(info.sig);
    return [s.params.length, s.results.length];
  }
  switch (ins.op) {
    case Op.Drop:
      return [1, 0];
    case Op.Select:
    case Op.SelectT:
      return [3, 1];
    case Op.LocalGet:
    case Op.GlobalGet:
      return [0, 1];
    case Op.LocalSet:
    case Op.GlobalSet:
      return [1, 0];
    case Op.LocalTee:
      return [1, 1];
    case Op.TableGet:
      return [1, 1];
    case Op.TableSet:
      return [2, 0];
    case Op.TableGrow:
      return [2, 1];
    case Op.TableFill:
      return [3, 0];
    case Op.RefNull:
    case Op.RefFunc:
      return [0, 1];
    case Op.RefIsNull:
      return [1, 1];
    case Op.Call: {
      const t = funcType(ins.idx!);
      return [t.params.length, t.results.length];
    }
    case Op.CallIndirect: {
      const t = m.types[ins.idx!]!;
      return [t.params.length + 1, t.results.length];
    }
  }
  throw new Error(`interp compile: no stack effect for ${info.name}`);
}

export function compileFunction(
  m: WasmModule,
  funcIndex: number,
  funcType: (i: number) => FuncType,
  opts: CompileOptions,
): Compiled {
  return new FunctionCompiler(m, funcIndex, funcType, opts).compile();
}

/** One walk over a function body: the flat code, the static operand height and the fuel plan. */
class FunctionCompiler {
  private readonly body: WasmModule['codes'][number];
  private readonly type: FuncType;
  private readonly localTypes: ValType[];
  private readonly plan: MeterPlan;
  private readonly op: number[] = [];
  private readonly a: number[] = [];
  private readonly b: number[] = [];
  private readonly c: number[] = [];
  private readonly at: number[] = [];
  private readonly k: unknown[] = [];
  private height = 0;
  private maxHeight = 0;
  private readonly ctl: Ctl[];

  constructor(
    private readonly m: WasmModule,
    private readonly funcIndex: number,
    private readonly funcType: (i: number) => FuncType,
    private readonly opts: CompileOptions,
  ) {
    const nImported = m.imports.filter((i) => i.desc.kind === 'func').length;
    this.body = m.codes[funcIndex - nImported]!;
    this.type = funcType(funcIndex);
    this.localTypes = [...this.type.params];
    for (const g of this.body.locals)
      for (let i = 0; i < g.count; i++) this.localTypes.push(g.type);
    this.plan = planCharges(this.body.body, opts.costOf);
    this.ctl = [
      {
        kind: 'func',
        height: 0,
        nParams: 0,
        nResults: this.type.results.length,
        start: 0,
        fixups: [],
        tableTargets: [],
        ifAt: -1,
        unreachable: false,
      },
    ];
  }

  compile(): Compiled {
    const ins = this.body.body;
    for (let i = 0; i < ins.length; i++) {
      const x = ins[i]!;
      const charge = this.plan.chargeAt[i];
      if (charge !== undefined) this.emit(X_CHARGE, x.offset, charge);
      this.instr(x);
    }
    // the decoder leaves out the body's final `end`: the function's end is here
    if (this.ctl.length === 1) {
      for (const t of this.ctl[0]!.tableTargets) t.pc = this.op.length;
      this.emit(X_RETURN, this.body.offset + this.body.size);
      this.ctl.pop();
    }
    if (this.ctl.length !== 0)
      throw new Error(`interp compile: function ${this.funcIndex} has unbalanced blocks`);
    const { type, localTypes, maxHeight } = this;
    return {
      op: Int32Array.from(this.op),
      a: Int32Array.from(this.a),
      b: Int32Array.from(this.b),
      c: Int32Array.from(this.c),
      k: this.k,
      at: Int32Array.from(this.at),
      nParams: type.params.length,
      nResults: type.results.length,
      localTypes,
      maxOperandHeight: maxHeight,
      frameSlots: localTypes.length + maxHeight + this.opts.frameOverheadSlots,
      entryCharge: this.plan.chargeAt[0] ?? 0,
    };
  }

  private emit(o: number, offset: number, x = 0, y = 0, z = 0): number {
    this.op.push(o);
    this.a.push(x);
    this.b.push(y);
    this.c.push(z);
    this.at.push(offset);
    return this.op.length - 1;
  }
  private bump(pops: number, pushes: number): void {
    const top = this.ctl[this.ctl.length - 1]!;
    this.height -= pops;
    if (this.height < top.height) this.height = top.height; // polymorphic stack in unreachable code
    this.height += pushes;
    if (this.height > this.maxHeight) this.maxHeight = this.height;
  }
  private label(depth: number): Ctl {
    return this.ctl[this.ctl.length - 1 - depth]!;
  }
  /** Values a branch to label l carries. */
  private arity(l: Ctl): number {
    return l.kind === 'loop'
      ? l.nParams
      : l.kind === 'func'
        ? this.type.results.length
        : l.nResults;
  }
  /** Encode a branch to label `depth` into (a = pc | fixup, b = arity, c = height). */
  private branch(o: number, depth: number, offset: number): number {
    const l = this.label(depth);
    if (l.kind === 'func') return this.emit(X_RETURN, offset);
    const i = this.emit(o, offset, l.kind === 'loop' ? l.start : -1, this.arity(l), l.height);
    if (l.kind !== 'loop') l.fixups.push(i);
    return i;
  }
  private markUnreachable(): void {
    const top = this.ctl[this.ctl.length - 1]!;
    top.unreachable = true;
    this.height = top.height;
  }

  private instr(x: Instr): void {
    switch (x.op) {
      case Op.Block:
      case Op.Loop:
      case Op.If:
        this.open(x);
        return;
      case Op.Else:
        this.else(x);
        return;
      case Op.End:
        this.end(x);
        return;
      case Op.Br:
        this.branch(X_BR, x.idx!, x.offset);
        this.markUnreachable();
        return;
      case Op.BrIf:
        this.brIf(x);
        return;
      case Op.BrTable:
        this.brTable(x);
        return;
      case Op.Return:
        this.emit(X_RETURN, x.offset);
        this.markUnreachable();
        return;
      case Op.Unreachable:
        this.emit(x.op, x.offset);
        this.markUnreachable();
        return;
    }
    this.plain(x);
  }

  private open(x: Instr): void {
    const s = blockSig(this.m, x.bt);
    const isIf = x.op === Op.If;
    if (isIf) this.bump(1, 0);
    // the params are popped and pushed back (in unreachable code that can raise the height)
    this.bump(s.params.length, s.params.length);
    const kind = x.op === Op.Block ? 'block' : x.op === Op.Loop ? 'loop' : 'if';
    const entry: Ctl = {
      kind,
      height: this.height - s.params.length,
      nParams: s.params.length,
      nResults: s.results.length,
      start: this.op.length,
      fixups: [],
      tableTargets: [],
      ifAt: -1,
      unreachable: false,
    };
    if (isIf) entry.ifAt = this.emit(X_IF, x.offset, -1);
    this.ctl.push(entry);
  }
  private else(x: Instr): void {
    const top = this.ctl[this.ctl.length - 1]!;
    const j = this.emit(X_JMP, x.offset, -1);
    top.fixups.push(j);
    this.a[top.ifAt] = this.op.length; // false branch starts here
    top.ifAt = -1;
    top.unreachable = false;
    this.height = top.height + top.nParams;
  }
  private end(x: Instr): void {
    const top = this.ctl.pop()!;
    if (top.kind === 'func') {
      for (const t of top.tableTargets) t.pc = this.op.length;
      this.emit(X_RETURN, x.offset);
      return;
    }
    if (top.ifAt >= 0) this.a[top.ifAt] = this.op.length; // if without else: false jumps to the end
    for (const f of top.fixups) this.a[f] = this.op.length;
    for (const t of top.tableTargets) t.pc = this.op.length;
    this.height = top.height + top.nResults;
    if (this.height > this.maxHeight) this.maxHeight = this.height;
  }
  private brIf(x: Instr): void {
    this.bump(1, 0);
    const l = this.label(x.idx!);
    const ar = this.arity(l);
    this.bump(ar, ar); // the label's values are popped and pushed back
    if (l.kind === 'func') {
      // conditional return: X_IF skips the X_RETURN when the condition is 0
      const j = this.emit(X_IF, x.offset, -1);
      this.emit(X_RETURN, x.offset);
      this.a[j] = this.op.length;
      return;
    }
    const o = ar === 0 && this.height === l.height ? X_BR_IF_0 : X_BR_IF;
    this.branch(o, x.idx!, x.offset);
  }
  private brTable(x: Instr): void {
    this.bump(1, 0);
    const ar = this.arity(this.label(x.idx!));
    if (x.labels!.length > 0) this.bump(ar, ar); // each listed label's values are popped and pushed back
    const targets: BranchTarget[] = [];
    const ti = this.k.length;
    this.k.push(targets);
    this.emit(X_BR_TABLE, x.offset, ti, x.labels!.length);
    for (const d of [...x.labels!, x.idx!]) {
      const l = this.label(d);
      // a target of the function itself jumps to the final X_RETURN, its values cut down to height 0
      const t: BranchTarget = {
        pc: l.kind === 'loop' ? l.start : -1,
        arity: l.kind === 'loop' ? l.nParams : l.nResults,
        height: l.kind === 'func' ? 0 : l.height,
      };
      targets.push(t);
      if (l.kind !== 'loop') l.tableTargets.push(t);
    }
    this.markUnreachable();
  }
  /** Every non-control instruction: its stack effect and immediates. */
  private plain(x: Instr): void {
    const [pops, pushes] = effect(this.m, this.funcType, x);
    this.bump(pops, pushes);
    let ia = x.idx ?? 0;
    // memarg: a = static offset (memory index is 0 in our feature set)
    if (x.memOffset !== undefined) ia = x.memOffset;
    if (x.value !== undefined) {
      if (typeof x.value === 'bigint') {
        ia = this.k.length;
        this.k.push(BigInt.asIntN(64, x.value));
      } else ia = x.value | 0;
    }
    this.emit(x.op, x.offset, ia, x.idx2 ?? 0, 0);
  }
}
