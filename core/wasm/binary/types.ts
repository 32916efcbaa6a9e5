/**
 * The decoded form of a WebAssembly module (our pinned feature set: MVP, mutable globals,
 * sign extension, saturating float-to-int, multi-value, bulk memory, reference types, SIMD and
 * relaxed SIMD, plus the shared-memory limits flag so threads can be rejected by name).
 *
 * Every section, entry and instruction carries the byte offset where it starts in the input, so
 * violations can point at bytes. Values that must keep their bits (i64, float constants) are kept
 * as integers/bigints of their bit patterns, never as JS floats.
 */

export type NumType = 'i32' | 'i64' | 'f32' | 'f64';
export type VecType = 'v128';
export type RefType = 'funcref' | 'externref';
export type ValType = NumType | VecType | RefType;

export const VALTYPE_CODE: Readonly<Record<ValType, number>> = {
  i32: 0x7f,
  i64: 0x7e,
  f32: 0x7d,
  f64: 0x7c,
  v128: 0x7b,
  funcref: 0x70,
  externref: 0x6f,
};
export const VALTYPE_BY_CODE: ReadonlyMap<number, ValType> = new Map(
  (Object.entries(VALTYPE_CODE) as [ValType, number][]).map(([t, c]) => [c, t]),
);

export function isRefType(t: ValType): t is RefType {
  return t === 'funcref' || t === 'externref';
}
export function isFloatType(t: ValType): boolean {
  return t === 'f32' || t === 'f64';
}

export interface FuncType {
  params: ValType[];
  results: ValType[];
}

export interface Limits {
  min: number;
  max?: number;
  /** Threads proposal's shared flag (limits flags 0x02/0x03); decoded so profiles can reject it. */
  shared: boolean;
}

export interface TableType {
  elem: RefType;
  limits: Limits;
}
export interface MemType {
  limits: Limits;
}
export interface GlobalType {
  type: ValType;
  mutable: boolean;
}

export type BlockType =
  { kind: 'empty' } | { kind: 'val'; type: ValType } | { kind: 'type'; index: number };

/**
 * One instruction. `op` is the opcode key: the byte for one-byte opcodes, `prefix << 16 | sub`
 * for prefixed ones (0xfc, 0xfd, 0xfe). Only the immediate fields of the opcode's kind are set.
 */
export interface Instr {
  op: number;
  offset: number;
  bt?: BlockType;
  /** label, function, local, global, table, type, data or element index (first immediate). */
  idx?: number;
  /** second index immediate: call_indirect/table.init table, table.copy source, memory.init/copy memory. */
  idx2?: number;
  /** br_table targets (the default is `idx`). */
  labels?: number[];
  align?: number;
  memOffset?: number;
  /** i32.const (signed number), i64.const (signed bigint), f32.const (u32 bits), f64.const (u64 bits bigint). */
  value?: number | bigint;
  /** v128.const bytes or i8x16.shuffle lane indices (16 bytes). */
  bytes?: Uint8Array;
  lane?: number;
  refType?: RefType;
  /** select's explicit result types (0x1c). */
  types?: ValType[];
}

export type Expr = Instr[];

export type ImportDesc =
  | { kind: 'func'; typeIndex: number }
  | { kind: 'table'; table: TableType }
  | { kind: 'memory'; memory: MemType }
  | { kind: 'global'; global: GlobalType };

export interface Import {
  module: string;
  name: string;
  desc: ImportDesc;
  offset: number;
}

export type ExternKind = 'func' | 'table' | 'memory' | 'global';
export const EXTERN_KIND_CODE: Readonly<Record<ExternKind, number>> = {
  func: 0,
  table: 1,
  memory: 2,
  global: 3,
};

export interface Export {
  name: string;
  kind: ExternKind;
  index: number;
  offset: number;
}

export interface Global {
  type: GlobalType;
  init: Expr;
  offset: number;
}

export interface Table {
  type: TableType;
  offset: number;
}
export interface Memory {
  type: MemType;
  offset: number;
}

export type SegmentMode = 'active' | 'passive' | 'declarative';

export interface ElemSegment {
  /** The binary form (0..7), kept so the encoder re-emits the same shape. */
  flags: number;
  mode: SegmentMode;
  table: number;
  offsetExpr?: Expr;
  type: RefType;
  /** Flags 0-3: function indices; flags 4-7: constant expressions. */
  funcs?: number[];
  exprs?: Expr[];
  offset: number;
}

export interface DataSegment {
  flags: number;
  mode: 'active' | 'passive';
  memory: number;
  offsetExpr?: Expr;
  bytes: Uint8Array;
  offset: number;
}

export interface LocalGroup {
  count: number;
  type: ValType;
}

export interface FuncBody {
  locals: LocalGroup[];
  body: Expr;
  /** Offset of the body's size field; `bodyOffset` is where the local declarations start. */
  offset: number;
  bodyOffset: number;
  size: number;
}

export interface CustomSection {
  name: string;
  bytes: Uint8Array;
  /** id of the last non-custom section before it (0 = before all), so the encoder keeps its place. */
  after: number;
  offset: number;
}

export interface SectionInfo {
  id: number;
  offset: number;
  contentOffset: number;
  size: number;
}

export interface WasmModule {
  types: FuncType[];
  imports: Import[];
  /** Type index of each defined (non-imported) function. */
  funcs: number[];
  tables: Table[];
  memories: Memory[];
  globals: Global[];
  exports: Export[];
  start?: { func: number; offset: number };
  elems: ElemSegment[];
  dataCount?: number;
  codes: FuncBody[];
  datas: DataSegment[];
  customs: CustomSection[];
  sections: SectionInfo[];
  /** Where each type entry (its 0x60) starts; set by the decoder so violations point at the entry. */
  typeOffsets?: number[];
  /** Where each function section entry (its type index) starts. */
  funcOffsets?: number[];
}

export function emptyModule(): WasmModule {
  return {
    types: [],
    imports: [],
    funcs: [],
    tables: [],
    memories: [],
    globals: [],
    exports: [],
    elems: [],
    codes: [],
    datas: [],
    customs: [],
    sections: [],
  };
}

export const SECTION = {
  custom: 0,
  type: 1,
  import: 2,
  function: 3,
  table: 4,
  memory: 5,
  global: 6,
  export: 7,
  start: 8,
  element: 9,
  code: 10,
  data: 11,
  dataCount: 12,
} as const;

/** Section ids in their required order (data count sits between element and code). */
export const SECTION_ORDER: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 10, 11];
