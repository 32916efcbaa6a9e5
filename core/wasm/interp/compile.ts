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
  switch (info.name) {
    case 'drop': return [1, 0];
    case 'select': case 'select_t': return [3, 1];
    case 'local.get': case 'global.get': return [0, 1];
    case 'local.set': case 'global.set': return [1, 0];
    case 'local.tee': return [1, 1];
    case 'table.get': return [1, 1];
    case 'table.set': return [2, 0];
    case 'table.grow': return [2, 1];
    case 'table.fill': return [3, 0];
    case 'ref.null': case 'ref.func': return [0, 1];
    case 'ref.is_null': return [1, 1];
    case 'call': {
      const t = funcType(ins.idx!);
      return [t.params.length, t.results.length];
    }
    case 'call_indirect': {
      const t = m.types[ins.idx!]!;
      return [t.params.length + 1, t.results.length];
    }
  }
  throw new Error(`interp compile: no stack effect for ${info.name}`);
}

export function compileFunction(m: WasmModule, funcIndex: number, funcType: (i: number) => FuncType, opts: CompileOptions): Compiled {
  const nImported = m.imports.filter((i) => i.desc.kind === 'func').length;
  const body = m.codes[funcIndex - nImported]!;
  const type = funcType(funcIndex);
  const localTypes: ValType[] = [...type.params];
  for (const g of body.locals) for (let i = 0; i < g.count; i++) localTypes.push(g.type);

  const plan: MeterPlan = planCharges(body.body, opts.costOf);
  const op: number[] = [], a: number[] = [], b: number[] = [], c: number[] = [], at: number[] = [];
  const k: unknown[] = [];
  const emit = (o: number, offset: number, x = 0, y = 0, z = 0): number => {
    op.push(o); a.push(x); b.push(y); c.push(z); at.push(offset);
    return op.length - 1;
  };

  let height = 0;
  let maxHeight = 0;
  const ctl: Ctl[] = [{ kind: 'func', height: 0, nParams: 0, nResults: type.results.length, start: 0, fixups: [], tableTargets: [], ifAt: -1, unreachable: false }];
  const bump = (pops: number, pushes: number): void => {
    const top = ctl[ctl.length - 1]!;
    height -= pops;
    if (height < top.height) height = top.height; // polymorphic stack in unreachable code
    height += pushes;
    if (height > maxHeight) maxHeight = height;
  };
  const label = (depth: number): Ctl => ctl[ctl.length - 1 - depth]!;
  /** Encode a branch to label `depth` into (a = pc | fixup, b = arity, c = height). */
  const branch = (o: number, depth: number, offset: number): number => {
    const l = label(depth);
    if (l.kind === 'func') return emit(X_RETURN, offset);
    const arity = l.kind === 'loop' ? l.nParams : l.nResults;
    const i = emit(o, offset, l.kind === 'loop' ? l.start : -1, arity, l.height);
    if (l.kind !== 'loop') l.fixups.push(i);
    return i;
  };
  const markUnreachable = (): void => {
    const top = ctl[ctl.length - 1]!;
    top.unreachable = true;
    height = top.height;
  };

  const ins = body.body;
  for (let i = 0; i < ins.length; i++) {
    const x = ins[i]!;
    const charge = plan.chargeAt[i];
    const info = opInfo(x.op)!;
    if (charge !== undefined) emit(X_CHARGE, x.offset, charge);
    switch (info.name) {
      case 'block': case 'loop': case 'if': {
        const s = blockSig(m, x.bt);
        if (info.name === 'if') bump(1, 0);
        // the params are popped and pushed back (in unreachable code that can raise the height)
        bump(s.params.length, s.params.length);
        const entry: Ctl = { kind: info.name, height: height - s.params.length, nParams: s.params.length, nResults: s.results.length, start: op.length, fixups: [], tableTargets: [], ifAt: -1, unreachable: false };
        if (info.name === 'if') entry.ifAt = emit(X_IF, x.offset, -1);
        ctl.push(entry);
        break;
      }
      case 'else': {
        const top = ctl[ctl.length - 1]!;
        const j = emit(X_JMP, x.offset, -1);
        top.fixups.push(j);
        a[top.ifAt] = op.length; // false branch starts here
        top.ifAt = -1;
        top.unreachable = false;
        height = top.height + top.nParams;
        break;
      }
      case 'end': {
        const top = ctl.pop()!;
        if (top.kind === 'func') {
          for (const t of top.tableTargets) t.pc = op.length;
          emit(X_RETURN, x.offset);
          break;
        }
        if (top.ifAt >= 0) a[top.ifAt] = op.length; // if without else: false jumps to the end
        for (const f of top.fixups) a[f] = op.length;
        for (const t of top.tableTargets) t.pc = op.length;
        height = top.height + top.nResults;
        if (height > maxHeight) maxHeight = height;
        break;
      }
      case 'br':
        branch(X_BR, x.idx!, x.offset);
        markUnreachable();
        break;
      case 'br_if': {
        bump(1, 0);
        const l = label(x.idx!);
        const lArity = l.kind === 'loop' ? l.nParams : l.kind === 'func' ? type.results.length : l.nResults;
        bump(lArity, lArity); // the label's values are popped and pushed back
        if (l.kind === 'func') {
          // conditional return: X_IF skips the X_RETURN when the condition is 0
          const j = emit(X_IF, x.offset, -1);
          emit(X_RETURN, x.offset);
          a[j] = op.length;
        } else {
          const arity = l.kind === 'loop' ? l.nParams : l.nResults;
          const o = arity === 0 && height === l.height ? X_BR_IF_0 : X_BR_IF;
          branch(o, x.idx!, x.offset);
        }
        break;
      }
      case 'br_table': {
        bump(1, 0);
        {
          const l = label(x.idx!);
          const ar = l.kind === 'loop' ? l.nParams : l.kind === 'func' ? type.results.length : l.nResults;
          if (x.labels!.length > 0) bump(ar, ar); // each listed label's values are popped and pushed back
        }
        const targets: BranchTarget[] = [];
        const all = [...x.labels!, x.idx!];
        const ti = k.length;
        k.push(targets);
        emit(X_BR_TABLE, x.offset, ti, x.labels!.length);
        for (const d of all) {
          const l = label(d);
          // a target of the function itself jumps to the final X_RETURN, its values cut down to height 0
          const t: BranchTarget = { pc: l.kind === 'loop' ? l.start : -1, arity: l.kind === 'loop' ? l.nParams : l.nResults, height: l.kind === 'func' ? 0 : l.height };
          targets.push(t);
          if (l.kind !== 'loop') l.tableTargets.push(t);
        }
        markUnreachable();
        break;
      }
      case 'return':
        emit(X_RETURN, x.offset);
        markUnreachable();
        break;
      case 'unreachable':
        emit(x.op, x.offset);
        markUnreachable();
        break;
      default: {
        const [pops, pushes] = effect(m, funcType, x);
        bump(pops, pushes);
        let ia = x.idx ?? 0;
        const ib = x.idx2 ?? 0;
        const ic = 0;
        if (x.memOffset !== undefined) {
          ia = x.memOffset; // memarg: a = static offset (memory index is 0 in our feature set)
        }
        if (x.value !== undefined) {
          if (typeof x.value === 'bigint') {
            ia = k.length;
            k.push(BigInt.asIntN(64, x.value));
          } else ia = x.value | 0;
        }
        emit(x.op, x.offset, ia, ib, ic);
        break;
      }
    }
  }

  // the decoder leaves out the body's final `end`: the function's end is here
  if (ctl.length === 1) {
    for (const t of ctl[0]!.tableTargets) t.pc = op.length;
    emit(X_RETURN, body.offset + body.size);
    ctl.pop();
  }
  if (ctl.length !== 0) throw new Error(`interp compile: function ${funcIndex} has unbalanced blocks`);

  return {
    op: Int32Array.from(op), a: Int32Array.from(a), b: Int32Array.from(b), c: Int32Array.from(c), k, at: Int32Array.from(at),
    nParams: type.params.length, nResults: type.results.length, localTypes, maxOperandHeight: maxHeight,
    frameSlots: localTypes.length + maxHeight + opts.frameOverheadSlots,
    entryCharge: plan.chargeAt[0] ?? 0,
  };
}

