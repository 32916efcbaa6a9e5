/**
 * Module instantiation for the reference interpreter, in the spec's order: resolve imports (with
 * type checks), allocate functions, tables, memories and globals, evaluate element segments, run
 * active element then data segments (a segment out of bounds traps, earlier ones stay applied),
 * then the start function.
 */
import { IcnError } from '../../errors.js';
import type { Expr, FuncType, Import, Limits, ValType, WasmModule } from '../binary/types.js';
import { attachSource, type Machine } from './machine.js';
import { WasmTrap } from './numeric.js';
import {
  newMemory,
  PAGE,
  typeKey,
  type FuncInst,
  type GlobalInst,
  type Instance,
  type MemInst,
  type TableInst,
  type Val,
} from './store.js';

export type ExternVal =
  | { kind: 'func'; value: FuncInst }
  | { kind: 'table'; value: TableInst }
  | { kind: 'memory'; value: MemInst }
  | { kind: 'global'; value: GlobalInst };

export type ImportResolver = (module: string, name: string) => ExternVal | undefined;

export class LinkError extends IcnError {
  override readonly name = 'LinkError';
  constructor(message: string) {
    super('WASM_LINK', message);
  }
}

export interface InstantiateLimits {
  /** Profile caps: a defined memory's / table's maximum is capped to these. */
  maxMemoryPages: number;
  maxTableElements: number;
}

const SPEC_MAX_PAGES = 65536;
const SPEC_MAX_TABLE = 0xffffffff;

function limitsMatch(have: { min: number; max: number | undefined }, want: Limits): boolean {
  if (have.min < want.min) return false;
  if (want.max === undefined) return true;
  return have.max !== undefined && have.max <= want.max;
}

export function evalConst(e: Expr, inst: Instance): Val {
  let v: Val = null;
  for (const ins of e) {
    switch (ins.op) {
      case 0x41:
        v = (ins.value as number) | 0;
        break;
      case 0x42:
        v = BigInt.asIntN(64, ins.value as bigint);
        break;
      case 0x43:
        v = (ins.value as number) | 0;
        break;
      case 0x44:
        v = BigInt.asIntN(64, ins.value as bigint);
        break;
      case 0xd0:
        v = null;
        break;
      case 0xd2:
        v = inst.funcs[ins.idx!]!;
        break;
      case 0x23:
        v = inst.globals[ins.idx!]!.value;
        break;
      case 0x0b:
        break;
      default:
        throw new IcnError(
          'WASM_INTERP',
          `constant expression operator 0x${ins.op.toString(16)} is not supported`,
        );
    }
  }
  return v;
}

export interface Instantiated {
  instance: Instance;
}

/**
 * Instantiate `m`. Throws LinkError for unresolvable or mistyped imports, WasmTrap when a segment
 * or the start function traps (the instance is then unusable).
 */
export function instantiate(
  m: WasmModule,
  resolve: ImportResolver,
  machine: Machine,
  caps: InstantiateLimits,
): Instance {
  const inst: Instance = {
    typeKeys: m.types.map(typeKey),
    funcs: [],
    tables: [],
    mems: [],
    globals: [],
    datas: [],
    elems: [],
    exports: new Map(),
  };
  const funcTypes: FuncType[] = [];
  for (const im of m.imports) linkImport(m, im, resolve, inst, funcTypes);
  allocate(m, inst, funcTypes, caps);
  initialize(m, inst);
  applySegments(m, inst);
  if (m.start !== undefined) machine.invoke(inst.funcs[m.start.func]!, []);
  return inst;
}

/** Resolve one import and check its type against the module's declaration. */
function linkImport(
  m: WasmModule,
  im: Import,
  resolve: ImportResolver,
  inst: Instance,
  funcTypes: FuncType[],
): void {
  const ext = resolve(im.module, im.name);
  const where = `${im.module}.${im.name}`;
  if (ext === undefined) throw new LinkError(`unknown import ${where}`);
  if (ext.kind !== im.desc.kind)
    throw new LinkError(`import ${where}: expected a ${im.desc.kind}, got a ${ext.kind}`);
  switch (im.desc.kind) {
    case 'func': {
      const f = ext.value as FuncInst;
      const want = m.types[im.desc.typeIndex]!;
      if (f.typeKey !== typeKey(want))
        throw new LinkError(
          `import ${where}: function type ${f.typeKey}, expected ${typeKey(want)}`,
        );
      inst.funcs.push(f);
      funcTypes.push(want);
      break;
    }
    case 'table': {
      const t = ext.value as TableInst;
      const want = im.desc.table;
      if (
        t.elem !== want.elem ||
        !limitsMatch({ min: t.elems.length, max: t.declaredMax }, want.limits)
      )
        throw new LinkError(`import ${where}: incompatible table`);
      inst.tables.push(t);
      break;
    }
    case 'memory': {
      const mm = ext.value as MemInst;
      if (!limitsMatch({ min: mm.bytes.length / PAGE, max: mm.declaredMax }, im.desc.memory.limits))
        throw new LinkError(`import ${where}: incompatible memory`);
      inst.mems.push(mm);
      break;
    }
    case 'global': {
      const g = ext.value as GlobalInst;
      const want = im.desc.global;
      if (g.type !== want.type || g.mutable !== want.mutable)
        throw new LinkError(
          `import ${where}: global ${g.mutable ? 'mut ' : ''}${g.type}, expected ${want.mutable ? 'mut ' : ''}${want.type}`,
        );
      inst.globals.push(g);
      break;
    }
  }
}

/** The module's own functions, tables and memories (maxima capped to the profile's). */
function allocate(
  m: WasmModule,
  inst: Instance,
  funcTypes: FuncType[],
  caps: InstantiateLimits,
): void {
  const nImported = inst.funcs.length;
  m.funcs.forEach((ti, i) => {
    const type = m.types[ti]!;
    inst.funcs.push({ type, typeKey: typeKey(type), inst, index: nImported + i });
    funcTypes.push(type);
  });
  attachSource(inst, { module: m, funcTypeOf: (i) => funcTypes[i]! });
  for (const t of m.tables) {
    const declared = t.type.limits.max ?? SPEC_MAX_TABLE;
    const ti: TableInst = {
      elem: t.type.elem,
      elems: new Array<Val>(t.type.limits.min).fill(null),
      max: Math.min(declared, caps.maxTableElements),
    };
    if (t.type.limits.max !== undefined) ti.declaredMax = t.type.limits.max;
    inst.tables.push(ti);
  }
  for (const mem of m.memories) {
    const declared = mem.type.limits.max ?? SPEC_MAX_PAGES;
    const mi = newMemory(mem.type.limits.min, Math.min(declared, caps.maxMemoryPages));
    if (mem.type.limits.max !== undefined) mi.declaredMax = mem.type.limits.max;
    if (declared > caps.maxMemoryPages) mi.profileCapped = true;
    inst.mems.push(mi);
  }
}

/** Globals, element and data segments (as values, not yet applied) and exports. */
function initialize(m: WasmModule, inst: Instance): void {
  for (const g of m.globals)
    inst.globals.push({
      type: g.type.type,
      mutable: g.type.mutable,
      value: evalConst(g.init, inst),
    });
  for (const e of m.elems) {
    const refs: Val[] = e.funcs
      ? e.funcs.map((f) => inst.funcs[f]!)
      : e.exprs!.map((x) => evalConst(x, inst));
    inst.elems.push(refs);
  }
  for (const d of m.datas) inst.datas.push(d.bytes);
  for (const x of m.exports) {
    const space =
      x.kind === 'func'
        ? inst.funcs
        : x.kind === 'table'
          ? inst.tables
          : x.kind === 'memory'
            ? inst.mems
            : inst.globals;
    inst.exports.set(x.name, { kind: x.kind, value: space[x.index]! } as never);
  }
}

/** Active element segments, then active data ones; one out of bounds traps, earlier ones stay. */
function applySegments(m: WasmModule, inst: Instance): void {
  m.elems.forEach((e, i) => {
    if (e.mode === 'active') {
      const t = inst.tables[e.table]!;
      const d = (evalConst(e.offsetExpr!, inst) as number) >>> 0;
      const refs = inst.elems[i]!;
      if (d + refs.length > t.elems.length)
        throw new WasmTrap('table_oob', `element segment ${i} out of bounds`);
      for (let j = 0; j < refs.length; j++) t.elems[d + j] = refs[j]!;
    }
    if (e.mode !== 'passive') inst.elems[i] = null;
  });
  m.datas.forEach((seg, i) => {
    if (seg.mode !== 'active') return;
    const mem = inst.mems[seg.memory]!;
    const d = (evalConst(seg.offsetExpr!, inst) as number) >>> 0;
    if (d + seg.bytes.length > mem.bytes.length)
      throw new WasmTrap('memory_oob', `data segment ${i} out of bounds`);
    mem.bytes.set(seg.bytes, d);
    inst.datas[i] = null;
  });
}

export function valTypeOfGlobal(g: GlobalInst): ValType {
  return g.type;
}
