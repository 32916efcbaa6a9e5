/**
 * The JS tier of the reference interpreter: each function of an instance is translated once into
 * JavaScript source (one JS function per wasm function, built with `new Function`), which V8 then
 * compiles like any other JS. No WebAssembly API and no wasm code is involved: the semantics are
 * ours, written out as JS expressions and statements from ops.ts (i32 a number, i64 two int32
 * halves, f32/f64 values with NaNs as bits: rep.ts), and fuel and stack are metered by the
 * generated code with the interpreter's own rules:
 *
 *   - fuel: the metered segments of metering.ts (the same plan the run loop uses); each segment's
 *     cost is charged where it starts, from a local copy `fl` of the counter that is written back to
 *     the machine before anything that can call, trap or return, and re-read after a call;
 *   - stack: at entry the frame takes compile.ts's `frameSlots` (params + locals + maximum operand
 *     height + overhead) from the machine's budget and gives them back on return;
 *   - depth: a frame that would take the machine past the logical stack limit, or past
 *     `JS_TIER_WEIGHT` (the native frame sizes of the JS-tier frames below it, estimated from their
 *     variables), is run by the run loop instead (machine.ts, explicit frame stack), and so is
 *     everything it calls. So the native stack never decides a result, and the stack_exhausted check
 *     itself is the run loop's.
 *
 * Translation: operand stack heights are static in valid code, so the value at height h of type t
 * is a JS local named by type and height (`i3` for an i32, `f3` f32, `d3` f64, `r3` a reference;
 * an i64 is two int32 locals, `j3` its low half and `k3` its high half: ops.ts's pair templates,
 * no BigInt on the hot path); wasm locals are `L0…` (an i64's high half `H0…`). Calls follow
 * rep.ts's convention (an i64 argument as two, a lone i64 result's high half in `M.rh`).
 * Structured control maps onto labeled JS statements (`block` → `B: {}`, `loop` →
 * `B: for (;;) {}`, `if` → `B: if () {} else {}`); a branch copies its values to the target's
 * heights and `break`s / `continue`s. Unreachable code is not emitted.
 *
 * The event trace is not produced here: a machine with a trace runs everything in the run loop.
 */
import { opInfo } from '../binary/opcodes.js';
import type { FuncType, Instr, ValType, WasmModule } from '../binary/types.js';
import { blockSig } from './compile.js';
import { planCharges, type MeterPlan } from './metering.js';
import { Op } from './opcode-names.js';
import { operator, SCOPE, splitTo, T_I64, type OperatorDef } from './ops.js';
import { b2d, b2f, toBits, toValue } from './rep.js';
import type { FuncInst, Instance } from './store.js';

export { d2b, b2d, f2b, b2f } from './rep.js';

/**
 * How deep the JS tier nests native calls before handing a call to the run loop, in JS variables
 * of the frames (each is a register of 8 bytes; `weight` below). Measured on Node 20 with the default
 * ~1 MB stack: 8,381 frames of an 8-slot function (weight 16) fit, so this budget (~256 KB) keeps the
 * JS tier at about a quarter of the native stack whatever the functions look like.
 */
export const JS_TIER_WEIGHT = 32768;

/**
 * V8 does not optimise a function whose bytecode is over ~60 KB (--max-optimized-bytecode-size):
 * such a function would run in the bytecode interpreter, 100x and more slower (hash-wasm's sha256
 * has one 180 KB compression function). A function whose source is over CHUNK_CHARS is generated
 * again in chunks of about that size, each a function of its own that takes the wasm function's
 * variables from a state object V and writes them back (so they stay registers inside the chunk;
 * closures over them measured 100x slower), cut only between top-level instructions; a straight run merged for fuel is at most MAX_RUN
 * instructions (then it is cut at the next metered segment), so that chunks can be cut at all.
 */
const CHUNK_CHARS = 24_000;
const MAX_RUN = 128;

const PFX: Record<string, string> = {
  i32: 'i',
  i64: 'j',
  f32: 'f',
  f64: 'd',
  funcref: 'r',
  externref: 'r',
};
const INIT: Record<string, string> = {
  i32: '0',
  i64: '0',
  f32: '0',
  f64: '0',
  funcref: 'null',
  externref: 'null',
};

export interface JsTierInput {
  module: WasmModule;
  inst: Instance;
  costOf: (op: number) => number;
  /** Logical frame size of a defined function (compile.ts's figure, shared with the run loop). */
  frameSlots: (f: FuncInst) => number;
  /** The profile's logical stack limit: a frame past it is handed to the run loop, which traps stack_exhausted. */
  slotLimit: number;
}

/** Generated source of an instance's defined functions: a factory body over (M, R). */
export function generateInstance(input: JsTierInput): { source: string; defined: number[] } {
  const { module: m } = input;
  const nImported = m.imports.filter((i) => i.desc.kind === 'func').length;
  const shared = new SharedDecls();
  const parts: string[] = [];
  const defined: number[] = [];
  for (let i = 0; i < m.codes.length; i++) {
    const fi = nImported + i;
    defined.push(fi);
    const plain = new FnGen(input, fi, nImported, shared, false).generate();
    parts.push(
      plain.length <= CHUNK_CHARS
        ? plain
        : new FnGen(input, fi, nImported, shared, true).generate(),
    );
  }
  const source =
    `"use strict";\nconst FUNCS = R.inst.funcs, TABLES = R.inst.tables, GLOBALS = R.inst.globals, MEM = R.inst.mems[0];\nconst trap = R.trap, oob = R.oob, oof = R.oof, jsFn = R.jsFn, deep = R.deep, special = R.special, growMemory = R.growMemory;\n` +
    `const EMPTY_U8 = new Uint8Array(0), EMPTY_DV = new DataView(EMPTY_U8.buffer);\n` +
    `const [${[...SCOPE.keys()].join(', ')}] = R.scope;\n` +
    `${shared.text()}\n${parts.join('\n')}\nreturn [${defined.map((f) => `fn_${f}`).join(', ')}];\n`;
  return { source, defined };
}

class SharedDecls {
  private readonly lines = new Map<string, string>();
  /** A factory-level constant (a helper, a global instance, a type key), declared once. */
  use(name: string, init: string): string {
    if (!this.lines.has(name)) this.lines.set(name, `const ${name} = ${init};`);
    return name;
  }
  /** A factory-level variable, declared once. */
  variable(name: string, init: string): string {
    if (!this.lines.has(name)) this.lines.set(name, `let ${name} = ${init};`);
    return name;
  }
  text(): string {
    return [...this.lines.values()].join('\n');
  }
}

interface Ctl {
  kind: 'block' | 'loop' | 'if' | 'func';
  label: string;
  /** Height below the block's params. */
  h0: number;
  params: ValType[];
  results: ValType[];
  /** Types at entry above h0 excluded (the stack below the block). */
  below: ValType[];
  /** The rest of the current arm is unreachable. */
  dead: boolean;
}

const numLit = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));
function f32Literal(bits: number): string {
  const v = b2f(bits);
  return typeof v === 'number' ? numLit(v) : `${v}n`;
}
function f64Literal(bits: bigint): string {
  const v = b2d(BigInt.asIntN(64, bits));
  return typeof v === 'number' ? numLit(v) : `${v}n`;
}

/** Operators that end a straight run for fuel merging: control, calls, growth and bulk operators (they reload the fuel). */
const NOT_PLAIN = new Set<number>([
  Op.Block,
  Op.Loop,
  Op.If,
  Op.Else,
  Op.End,
  Op.Br,
  Op.BrIf,
  Op.BrTable,
  Op.Return,
  Op.Unreachable,
  Op.Call,
  Op.CallIndirect,
  Op.MemoryGrow,
  Op.MemoryInit,
  Op.MemoryCopy,
  Op.MemoryFill,
  Op.DataDrop,
  Op.TableInit,
  Op.TableCopy,
  Op.TableFill,
  Op.TableGrow,
  Op.ElemDrop,
]);
const PLAIN = (x: Instr): boolean => !NOT_PLAIN.has(x.op);
const STRUCTURE = new Set<number>([Op.Block, Op.Loop, Op.If]);

/** Operators run by Machine.jsSpecial (bulk memory and table operators): operand count and result type. */
function special(op: number): { pops: number; push?: ValType } | undefined {
  switch (op) {
    case Op.MemoryInit:
    case Op.MemoryCopy:
    case Op.MemoryFill:
    case Op.TableInit:
    case Op.TableCopy:
    case Op.TableFill:
      return { pops: 3 };
    case Op.DataDrop:
    case Op.ElemDrop:
      return { pops: 0 };
    case Op.TableGrow:
      return { pops: 2, push: 'i32' };
  }
  return undefined;
}

/** Initial value of a function-level temporary (int temporaries start as ints: one representation for V8). */
const tempInit = (t: string): string =>
  t === 'ea' || t === 'tk' || /^t\d$/.test(t) ? '0' : 'null';

/** The translation of one function: a walk over its body with a static stack of typed JS locals. */
class FnGen {
  private readonly m: WasmModule;
  private readonly inst: Instance;
  private readonly body: WasmModule['codes'][number];
  private readonly type: FuncType;
  private readonly localTypes: ValType[];
  private readonly plan: MeterPlan;
  private readonly hasMem: boolean;
  private readonly out: string[] = [];
  /** Function-level temporaries (never block-scoped: V8 would give every block its own registers and the frame would grow with the body). */
  private readonly temps = new Set<string>();
  private readonly declared = new Map<string, string>(); // stack variable → initial value
  private readonly ts: ValType[] = [];
  /** Writes the fuel back before anything that may trap or call (inside a merged run: with the refund). */
  private save = 'M.fuelLeft = fl;';
  // A frame waiting on a call must not hold the memory's buffer: a deep recursion that grows memory
  // would otherwise keep every superseded buffer alive, one per frame (gigabytes, found by the fuzzer).
  private readonly release: string;
  private readonly reload: string;
  private labels = 0;
  private readonly ctl: Ctl[];
  /** Lines emitted so far, and the last i64.const: its height, halves and emitted count after it. */
  private emitted = 0;
  private lastConst: { h: number; at: number; halves: string[] } | undefined;
  /** Nesting depth of blocks opened inside dead code (not emitted). */
  private deadDepth = 0;

  /** Chunked mode: the body is a sequence of inner functions (see CHUNK_CHARS). */
  private chunkStart = 0;
  private chunkChars = 0;
  private readonly chunkBodies: string[][] = [];

  constructor(
    private readonly input: JsTierInput,
    private readonly fi: number,
    nImported: number,
    private readonly shared: SharedDecls,
    private readonly chunked: boolean,
  ) {
    this.m = input.module;
    this.inst = input.inst;
    this.body = this.m.codes[fi - nImported]!;
    this.type = this.inst.funcs[fi]!.type;
    this.localTypes = [...this.type.params];
    for (const g of this.body.locals)
      for (let i = 0; i < g.count; i++) this.localTypes.push(g.type);
    this.plan = planCharges(this.body.body, input.costOf);
    this.hasMem = this.inst.mems[0] !== undefined;
    this.release = this.hasMem ? ' MB = EMPTY_U8; MV = EMPTY_DV;' : '';
    this.reload = this.hasMem
      ? 'fl = M.fuelLeft; MB = MEM.bytes; MV = MEM.view; ML = MB.length;'
      : 'fl = M.fuelLeft;';
    this.ctl = [
      {
        kind: 'func',
        label: '',
        h0: 0,
        params: [],
        results: this.type.results,
        below: [],
        dead: false,
      },
    ];
  }

  generate(): string {
    const ins = this.body.body;
    for (let i = 0; i < ins.length; i++) {
      const x = ins[i]!;
      const cur = this.ctl[this.ctl.length - 1]!;
      if (cur.dead && this.skipDead(x.op)) continue;
      if (this.chunked && this.ctl.length === 1 && this.chunkChars > CHUNK_CHARS) this.closeChunk();
      const charge = this.plan.chargeAt[i];
      if (charge !== undefined && !cur.dead) {
        const end = this.mergedRun(i);
        if (end > i) {
          i = end - 1;
          continue;
        }
        this.emit(this.chargeCode(charge));
      }
      this.instr(x);
    }
    // the decoder leaves out the body's final `end`: falling off the end returns
    if (!this.ctl[0]!.dead) this.emit(this.retCode());
    if (this.chunked) this.closeChunk();
    return this.head();
  }

  /** The lines since the last cut become chunk function n, called in their place; it returns 1 when the wasm function returns (its value in V.rv). */
  private closeChunk(): void {
    const n = this.chunkBodies.length;
    this.chunkBodies.push(this.out.splice(this.chunkStart));
    this.out.push(`if (fn_${this.fi}_c${n}(V) === 1) { P${this.fi} = V; return V.rv; }`);
    this.chunkStart = this.out.length;
    this.chunkChars = 0;
  }

  /**
   * Chunked mode: each chunk as a function over the state object V. Each chunk takes from V only the state it names (and writes back what it may change): with
   * i64 locals as two variables a function has hundreds, and copying all of them at every chunk
   * cost more than the chunk's work. Temporaries never live across an instruction, so they are the
   * chunk's own; the memory's views are re-read from MEM (between top-level instructions they are
   * always MEM's).
   */
  private chunkFunctions(state: string[]): string {
    return this.chunkBodies
      .map((lines, n) => {
        const text = lines.join('\n');
        const used = new Set(text.match(/[A-Za-z_$][\w$]*/g));
        const io = state.filter((v) => used.has(v));
        const decls = [
          ...io.map((v) => `${v} = V.${v}`),
          ...[...this.temps].filter((t) => used.has(t)).map((t) => `${t} = ${tempInit(t)}`),
        ];
        if (this.hasMem && (used.has('MB') || used.has('MV') || used.has('ML')))
          decls.push('MB = MEM.bytes', 'MV = MEM.view', 'ML = MB.length');
        const store = io
          .filter((v) => v !== 'su0' && v !== 'jw0')
          .map((v) => `V.${v} = ${v};`)
          .join(' ');
        const load = decls.length > 0 ? `let ${decls.join(', ')};` : '';
        return `function fn_${this.fi}_c${n}(V) {\n${load}\n${text}\n${store}\nreturn 0;\n}`;
      })
      .join('\n');
  }

  /** In dead code only the structure matters until the arm ends: true when x is not emitted. */
  private skipDead(op: number): boolean {
    if (STRUCTURE.has(op)) {
      this.deadDepth++;
      return true;
    }
    if (this.deadDepth > 0) {
      if (op === Op.End) this.deadDepth--;
      return true;
    }
    return op !== Op.Else && op !== Op.End;
  }

  /**
   * A straight run of several metered segments from i (split only by operators that may trap): one
   * comparison for all of them when the fuel covers the whole run, and a trap inside it gives back
   * the charges of the segments after it. Otherwise (the fuel may run out inside), the segments are
   * charged one by one, as everywhere else. Returns the end of the run emitted, or i if none.
   */
  private mergedRun(i: number): number {
    const ins = this.body.body;
    const chargeAt = this.plan.chargeAt;
    let end = i;
    while (end < ins.length && PLAIN(ins[end]!) && end - i < MAX_RUN) end++;
    const inRun: number[] = [];
    for (let q = i; q < end; q++) if (chargeAt[q] !== undefined) inRun.push(q);
    if (inRun.length < 2) return i;
    const total = inRun.reduce((n, q) => n + chargeAt[q]!, 0);
    const snapshot = this.ts.slice();
    this.emit(`if (fl >= ${total}) { fl -= ${total};`);
    for (let q = i; q < end; q++) {
      const after = inRun.reduce((n, p) => (p > q ? n + chargeAt[p]! : n), 0);
      this.save = after === 0 ? 'M.fuelLeft = fl;' : `M.fuelLeft = fl + ${after};`;
      this.instr(ins[q]!);
    }
    this.save = 'M.fuelLeft = fl;';
    this.emit('} else {');
    this.ts.length = 0;
    this.ts.push(...snapshot);
    for (let q = i; q < end; q++) {
      const c = chargeAt[q];
      if (c !== undefined) this.emit(this.chargeCode(c));
      this.instr(ins[q]!);
    }
    this.emit('}');
    return end;
  }

  private chargeCode(c: number): string {
    return `if (fl < ${c}) { ${this.save} throw oof(${c}); } fl -= ${c};`;
  }
  /** The JS names of the value of type t at height h: [low, high] for an i64, else one. */
  private names(t: ValType, h: number): string[] {
    const n = `${PFX[t] ?? 'r'}${h}`;
    if (!this.declared.has(n)) this.declared.set(n, INIT[t] ?? 'null');
    if (t !== 'i64') return [n];
    const k = `k${h}`;
    if (!this.declared.has(k)) this.declared.set(k, '0');
    return [n, k];
  }
  /** The single JS name of a value that is not an i64 (conditions, addresses, references). */
  private name(t: ValType, h: number): string {
    return this.names(t, h)[0]!;
  }
  private popv(): string[] {
    const t = this.ts.pop()!;
    return this.names(t, this.ts.length);
  }
  private pop(): string {
    return this.popv()[0]!;
  }
  private pushv(t: ValType): string[] {
    this.ts.push(t);
    return this.names(t, this.ts.length - 1);
  }
  private push(t: ValType): string {
    return this.pushv(t)[0]!;
  }
  private topv(): string[] {
    return this.names(this.ts[this.ts.length - 1]!, this.ts.length - 1);
  }
  /** The JS names of wasm local i. */
  private local(i: number): string[] {
    return this.localTypes[i] === 'i64' ? [`L${i}`, `H${i}`] : [`L${i}`];
  }
  private allLocals(): string[] {
    return this.localTypes.flatMap((_, i) => this.local(i));
  }
  /** Statements copying names src to names dst (of one value). */
  private static copy(dst: readonly string[], src: readonly string[]): string {
    return dst.map((d, i) => (d === src[i] ? '' : `${d} = ${src[i]}; `)).join('');
  }
  private emit(s: string): void {
    this.emitted++;
    this.out.push(s);
    this.chunkChars += s.length + 1;
  }
  private markDead(): void {
    this.ctl[this.ctl.length - 1]!.dead = true;
  }
  private retCode(): string {
    const n = this.type.results.length;
    const vals = this.type.results.map((t, i) => this.names(t, this.ts.length - n + i));
    const flat = vals.flat();
    const hi = n === 1 && vals[0]!.length === 2 ? ` M.rh = ${vals[0]![1]};` : '';
    const v = n === 0 ? '' : n === 1 ? ` ${flat[0]}` : ` [${flat.join(', ')}]`;
    if (this.chunked)
      return `M.stackUsed = su0; M.jsWeight = jw0; ${this.save}${hi}${v === '' ? '' : ` V.rv =${v};`} return 1;`;
    return `M.stackUsed = su0; M.jsWeight = jw0; ${this.save}${hi} return${v};`;
  }
  private branch(depth: number): string {
    const l = this.ctl[this.ctl.length - 1 - depth]!;
    if (l.kind === 'func') return this.retCode();
    const types = l.kind === 'loop' ? l.params : l.results;
    const ar = types.length;
    let s = '';
    for (let i = 0; i < ar; i++)
      s += FnGen.copy(
        this.names(types[i]!, l.h0 + i),
        this.names(types[i]!, this.ts.length - ar + i),
      );
    return s + (l.kind === 'loop' ? `continue ${l.label};` : `break ${l.label};`);
  }
  private use(name: string, init: string): string {
    return this.shared.use(name, init);
  }

  private instr(x: Instr): void {
    if (this.control(x) || this.variable(x) || this.constant(x)) return;
    const def = operator(x.op);
    if (def !== undefined) this.operator(x, def);
    else this.special(x);
  }

  /** Structured control, branches, calls. False when x is none of them. */
  private control(x: Instr): boolean {
    switch (x.op) {
      case Op.Nop:
        return true;
      case Op.Block:
      case Op.Loop:
      case Op.If:
        this.open(x);
        return true;
      case Op.Else: {
        const c = this.ctl[this.ctl.length - 1]!;
        this.emit('} else {');
        c.dead = false;
        this.ts.length = 0;
        this.ts.push(...c.below, ...c.params);
        return true;
      }
      case Op.End: {
        const c = this.ctl.pop()!;
        if (c.kind === 'loop' && !c.dead) this.emit(`break ${c.label};`);
        this.emit('}');
        this.ts.length = 0;
        this.ts.push(...c.below, ...c.results);
        return true;
      }
      case Op.Br:
        this.emit(this.branch(x.idx!));
        this.markDead();
        return true;
      case Op.BrIf: {
        const c = this.pop();
        this.emit(`if (${c} !== 0) { ${this.branch(x.idx!)} }`);
        return true;
      }
      case Op.BrTable: {
        const c = this.pop();
        const cases = x.labels!.map((d, k) => `case ${k}: { ${this.branch(d)} }`).join('\n');
        this.emit(`switch (${c}) {\n${cases}\ndefault: { ${this.branch(x.idx!)} }\n}`);
        this.markDead();
        return true;
      }
      case Op.Return:
        this.emit(this.retCode());
        this.markDead();
        return true;
      case Op.Unreachable:
        this.emit(`${this.save} throw trap('unreachable');`);
        this.markDead();
        return true;
      case Op.Call:
        this.call(x);
        return true;
      case Op.CallIndirect:
        this.callIndirect(x);
        return true;
    }
    return false;
  }

  private open(x: Instr): void {
    const s = blockSig(this.m, x.bt);
    const cond = x.op === Op.If ? this.pop() : '';
    const h0 = this.ts.length - s.params.length;
    const label = `B${this.labels++}`;
    const kind = x.op === Op.Block ? 'block' : x.op === Op.Loop ? 'loop' : 'if';
    this.ctl.push({
      kind,
      label,
      h0,
      params: s.params,
      results: s.results,
      below: this.ts.slice(0, h0),
      dead: false,
    });
    if (kind === 'block') this.emit(`${label}: {`);
    else if (kind === 'loop') this.emit(`${label}: for (;;) {`);
    else this.emit(`${label}: if (${cond} !== 0) {`);
  }

  private callArgs(ft: FuncType): string {
    const n = ft.params.length;
    const args: string[] = [];
    for (let i = 0; i < n; i++) args.push(...this.names(ft.params[i]!, this.ts.length - n + i));
    this.ts.length -= n;
    return args.join(', ');
  }
  /** Results of a JS-convention call expression onto the stack. */
  private callResults(ft: FuncType, expr: string): void {
    const n = ft.results.length;
    if (n === 0) this.emit(`${expr};`);
    else if (n === 1) {
      const [lo, hi] = this.pushv(ft.results[0]!);
      this.emit(`${lo} = ${expr};${hi === undefined ? '' : ` ${hi} = M.rh;`}`);
    } else {
      const rs = ft.results.flatMap((t) => this.pushv(t));
      this.temps.add('tr');
      this.emit(`tr = ${expr}; ${rs.map((r, i) => `${r} = tr[${i}];`).join(' ')}`);
    }
  }
  private call(x: Instr): void {
    const callee = this.inst.funcs[x.idx!]!;
    const ft = callee.type;
    const args = this.callArgs(ft);
    this.emit(`${this.save}${this.release}`);
    if (callee.inst === this.inst && callee.host === undefined)
      this.callResults(ft, `fn_${x.idx}(${args})`);
    else this.callResults(ft, `jsFn(${this.use(`F${x.idx}`, `FUNCS[${x.idx}]`)})(${args})`);
    this.emit(this.reload);
  }
  private callIndirect(x: Instr): void {
    const ft = this.m.types[x.idx!]!;
    const k = this.pop();
    const args = this.callArgs(ft);
    const tk = JSON.stringify(this.inst.typeKeys[x.idx!]!);
    const tb = this.use(`T${x.idx2 ?? 0}`, `TABLES[${x.idx2 ?? 0}]`);
    this.temps.add('tk');
    this.temps.add('te');
    this.emit(
      `${this.save}${this.release} tk = ${k} >>> 0; if (tk >= ${tb}.elems.length) throw trap('table_oob', 'call_indirect index ' + tk + ' of ' + ${tb}.elems.length); te = ${tb}.elems[tk]; ` +
        `if (te === null) throw trap('indirect_call_mismatch', 'null table entry'); if (te.typeKey !== ${tk}) throw trap('indirect_call_mismatch', 'signature ' + te.typeKey + ', expected ' + ${tk});`,
    );
    this.callResults(ft, `(te.jsOwner === M ? te.js : jsFn(te))(${args})`);
    this.emit(this.reload);
  }

  /** Parametric, local, global, table element and memory size operators. False when x is none of them. */
  private variable(x: Instr): boolean {
    switch (x.op) {
      case Op.Drop:
        this.pop();
        return true;
      case Op.Select:
      case Op.SelectT: {
        const t = this.ts[this.ts.length - 2]!;
        const c = this.pop();
        const b = this.popv();
        this.popv();
        // the result is at a's height (the same names): it keeps a unless c is 0
        const r = this.pushv(t);
        this.emit(r.map((x, i) => `${x} = ${c} !== 0 ? ${x} : ${b[i]};`).join(' '));
        return true;
      }
      case Op.LocalGet:
        this.emit(FnGen.copy(this.pushv(this.localTypes[x.idx!]!), this.local(x.idx!)).trimEnd());
        return true;
      case Op.LocalSet:
        this.emit(FnGen.copy(this.local(x.idx!), this.popv()).trimEnd());
        return true;
      case Op.LocalTee:
        this.emit(FnGen.copy(this.local(x.idx!), this.topv()).trimEnd());
        return true;
      case Op.GlobalGet:
      case Op.GlobalSet: {
        const g = this.use(`G${x.idx}`, `GLOBALS[${x.idx}]`);
        const t = this.inst.globals[x.idx!]!.type;
        if (t === 'i64' && x.op === Op.GlobalGet) this.emit(splitTo(`${g}.value`, this.pushv(t)));
        else if (t === 'i64') this.emit(`${g}.value = jn(${this.popv().join(', ')});`);
        else if (x.op === Op.GlobalGet) this.emit(`${this.push(t)} = ${toValue(t, `${g}.value`)};`);
        else this.emit(`${g}.value = ${toBits(t, this.pop())};`);
        return true;
      }
      case Op.TableGet:
      case Op.TableSet: {
        const tb = this.use(`T${x.idx}`, `TABLES[${x.idx}]`);
        const v = x.op === Op.TableSet ? this.pop() : '';
        const a = this.pop();
        this.temps.add('tk');
        const check = `tk = ${a} >>> 0; if (tk >= ${tb}.elems.length) { ${this.save} throw trap('table_oob'); }`;
        if (x.op === Op.TableSet) this.emit(`${check} ${tb}.elems[tk] = ${v};`);
        else this.emit(`${check} ${this.push(this.inst.tables[x.idx!]!.elem)} = ${tb}.elems[tk];`);
        return true;
      }
      case Op.TableSize:
        this.emit(
          `${this.push('i32')} = ${this.use(`T${x.idx}`, `TABLES[${x.idx}]`)}.elems.length;`,
        );
        return true;
      case Op.MemorySize:
        this.emit(`${this.push('i32')} = ML / 65536;`);
        return true;
      case Op.MemoryGrow: {
        const a = this.pop();
        this.emit(
          `${this.push('i32')} = growMemory(MEM, ${a} >>> 0); MB = MEM.bytes; MV = MEM.view; ML = MB.length;`,
        );
        return true;
      }
    }
    return false;
  }

  /** Constants and references. False when x is none of them. */
  private constant(x: Instr): boolean {
    switch (x.op) {
      case Op.I32Const:
        this.emit(`${this.push('i32')} = ${(x.value as number) | 0};`);
        return true;
      case Op.F32Const:
        this.emit(`${this.push('f32')} = ${f32Literal((x.value as number) | 0)};`);
        return true;
      case Op.I64Const: {
        const v = x.value as bigint;
        const [lo, hi] = this.pushv('i64');
        const halves = [String(BigInt.asIntN(32, v)), String(BigInt.asIntN(32, v >> 32n))];
        this.emit(`${lo} = ${halves[0]}; ${hi} = ${halves[1]};`);
        this.lastConst = { h: this.ts.length - 1, at: this.emitted, halves };
        return true;
      }
      case Op.F64Const:
        this.emit(`${this.push('f64')} = ${f64Literal(x.value as bigint)};`);
        return true;
      case Op.RefNull:
        this.emit(`${this.push(x.refType ?? 'funcref')} = null;`);
        return true;
      case Op.RefIsNull: {
        const a = this.pop();
        this.emit(`${this.push('i32')} = ${a} === null ? 1 : 0;`);
        return true;
      }
      case Op.RefFunc:
        this.emit(`${this.push('funcref')} = ${this.use(`F${x.idx}`, `FUNCS[${x.idx}]`)};`);
        return true;
    }
    return false;
  }

  /** A value operator, load or store: its template from the operator table, written inline. */
  private operator(x: Instr, d: OperatorDef): void {
    if (d.kind === 'pair') {
      // an i64.const just before (nothing emitted since) is passed as literals (ops.ts: shift counts)
      const c = this.lastConst;
      const lit =
        d.params[1] === 'i64' && c?.h === this.ts.length - 1 && c.at === this.emitted
          ? c.halves
          : undefined;
      const b = d.params.length === 2 ? this.popv() : [];
      const a = this.popv();
      const stmt = d.stmt(this.pushv(d.result), a, lit ?? b);
      this.useTemps(stmt);
      this.emit(`${d.trap ? `${this.save} ` : ''}${stmt}`);
      return;
    }
    if (d.kind === 'pure') {
      const b = d.params.length === 2 ? this.pop() : '';
      const a = this.pop();
      const r = this.push(d.result);
      this.emit(`${d.trap ? `${this.save} ` : ''}${r} = ${d.expr(a, b)};`);
      return;
    }
    const v = d.kind === 'store' || d.kind === 'pairStore' ? this.popv() : [];
    const a = this.pop();
    const off = (x.memOffset ?? 0) >>> 0;
    this.temps.add('ea');
    const check = `ea = ${off === 0 ? `${a} >>> 0` : `(${a} >>> 0) + ${off}`}; if (ea > ML - ${d.width}) { ${this.save} throw oob(ea, ${d.width}); }`;
    if (d.kind === 'store') this.emit(`${check} ${d.stmt('ea', v[0]!)};`);
    else if (d.kind === 'pairStore') this.emit(`${check} ${d.stmt('ea', v)};`);
    else if (d.kind === 'pairLoad') this.emit(`${check} ${d.stmt('ea', this.pushv('i64'))}`);
    else this.emit(`${check} ${this.push(d.result)} = ${d.expr('ea')};`);
  }
  /** Declares the pair templates' temporaries that stmt uses. */
  private useTemps(stmt: string): void {
    for (const t of T_I64) if (new RegExp(`\\b${t}\\b`).test(stmt)) this.temps.add(t);
  }

  /** Bulk memory and table operators: the run loop's own implementation, on an argument list. */
  private special(x: Instr): void {
    const sp = special(x.op);
    if (sp === undefined)
      throw new Error(`interp JS tier: no translation for ${opInfo(x.op)?.name ?? x.op}`);
    const args: string[] = [];
    for (let k = 0; k < sp.pops; k++) args.unshift(this.pop());
    const callExpr = `special(${x.op}, ${x.idx ?? 0}, ${x.idx2 ?? 0}, [${args.join(', ')}], ${this.fi}, ${x.offset})`;
    if (sp.push !== undefined)
      this.emit(`${this.save} ${this.push(sp.push)} = ${callExpr}; ${this.reload}`);
    else this.emit(`${this.save} ${callExpr}; ${this.reload}`);
  }

  /**
   * Chunked mode: the state object V, reused from one call to the next (a pool of one, P<fi>: a
   * recursive call finds it taken and makes its own; a trap drops it). Allocating an object of some
   * hundreds of fields per call cost more than the function's work; reuse only has to reset the
   * wasm locals (stack variables are always written before they are read).
   */
  private stateObject(): string {
    const P = this.shared.variable(`P${this.fi}`, 'null');
    const init = (t: ValType): string => INIT[t] ?? 'null';
    const nParams = this.type.params.length;
    const fields = [
      ...this.localTypes.flatMap((t, i) => this.local(i).map((n) => `${n}: ${init(t)}`)),
      ...[...this.declared].map(([n, v]) => `${n}: ${v}`),
      'fl: 0',
      'su0: 0',
      'jw0: 0',
      'rv: undefined',
    ];
    const sets = [
      ...this.localTypes.flatMap((t, i) =>
        this.local(i).map((n) => `V.${n} = ${i < nParams ? n : init(t)};`),
      ),
      'V.fl = fl; V.su0 = su0; V.jw0 = jw0;',
    ];
    return `const V = ${P} !== null ? ${P} : { ${fields.join(', ')} }; ${P} = null;\n${sets.join(' ')}`;
  }

  /** The function's head (declarations, stack and depth checks) around the body. */
  private head(): string {
    const { type, localTypes, fi } = this;
    const params = type.params.flatMap((_, i) => this.local(i)).join(', ');
    const locals = localTypes
      .slice(type.params.length)
      .flatMap((t, i) =>
        this.local(type.params.length + i).map((n) => `${n} = ${INIT[t] ?? 'null'}`),
      );
    const stackVars = [...this.declared].map(([n, v]) => `${n} = ${v}`);
    const nRes = type.results.length;
    // native frame size, in JS variables: every variable is a register of the frame, plus a fixed part
    // chunked: a chunk's frame holds the same variables again, below the outer frame
    const weight =
      (this.allLocals().length + this.declared.size + this.temps.size + 16) *
      (this.chunked ? 2 : 1);
    const deepRet = nRes === 0 ? 'deep(F, args);' : 'return deep(F, args);';
    const frameSlots = this.input.frameSlots(this.inst.funcs[fi]!);
    const head = [
      `function fn_${fi}(${params}) {`,
      `const su0 = M.stackUsed, su = su0 + ${frameSlots}, jw0 = M.jsWeight, jw = jw0 + ${weight};`,
      `if (su > ${this.input.slotLimit} || jw > ${JS_TIER_WEIGHT}) { const F = ${this.use(`F${fi}`, `FUNCS[${fi}]`)}, args = [${params}]; ${deepRet} return; }`,
      'M.stackUsed = su; M.jsWeight = jw;',
      'let fl = M.fuelLeft;',
    ];
    if (locals.length > 0) head.push(`let ${locals.join(', ')};`);
    if (stackVars.length > 0) head.push(`let ${stackVars.join(', ')};`);
    const body = this.chunked ? this.chunkBodies.flat() : this.out;
    if (body.some((l) => l.includes('tv'))) this.temps.add('tv');
    if (this.temps.size > 0)
      head.push(`let ${[...this.temps].map((t) => `${t} = ${tempInit(t)}`).join(', ')};`);
    if (this.hasMem) head.push('let MB = MEM.bytes, MV = MEM.view, ML = MB.length;');
    if (!this.chunked) return `${head.join('\n')}\n${this.out.join('\n')}\n}`;
    head.push(this.stateObject());
    const vars = [...this.allLocals(), ...this.declared.keys(), 'fl', 'su0', 'jw0'];
    return `${this.chunkFunctions(vars)}\n${head.join('\n')}\n${this.out.join('\n')}\n}`;
  }
}
