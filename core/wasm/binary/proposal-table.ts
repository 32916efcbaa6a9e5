/**
 * Which WebAssembly proposal every binary construct belongs to: value and heap type bytes, section
 * ids, import/export kinds, limits flags and element/data segment forms (opcodes: opcodes.ts, which
 * keys its rows by the same Proposal names). Each row also says whether our pinned decoder reads
 * it (`decoded`): the decoder accepts exactly those rows, and proposals.ts names the proposal of the
 * first one it does not (the row of the byte where the decoder stopped).
 *
 * Names are the proposal repositories' (WebAssembly/<name>), as the .wast skip reasons print them.
 */

export type Proposal =
  | 'mvp'
  | 'mutable-globals'
  | 'sign-extension'
  | 'nontrapping-float-to-int'
  | 'multi-value'
  | 'bulk-memory'
  | 'reference-types'
  | 'simd'
  | 'relaxed-simd'
  | 'multi-memory'
  | 'memory64'
  | 'tail-call'
  | 'exception-handling'
  | 'extended-const'
  | 'threads'
  | 'function-references'
  | 'gc'
  | 'wide-arithmetic';

/** The pinned feature set (what our decoder, validator and interpreter implement). */
export const PINNED: ReadonlySet<Proposal> = new Set<Proposal>([
  'mvp',
  'mutable-globals',
  'sign-extension',
  'nontrapping-float-to-int',
  'multi-value',
  'bulk-memory',
  'reference-types',
  'simd',
  'relaxed-simd',
]);

export interface ConstructRow {
  name: string;
  proposal: Proposal;
  /** Read by our decoder (a pinned construct, or one decoded only so profiles can reject it by name). */
  decoded: boolean;
}

const row = (name: string, proposal: Proposal, decoded = PINNED.has(proposal)): ConstructRow => ({
  name,
  proposal,
  decoded,
});

/** Value, reference and heap type bytes (also the one-byte block types). */
export const TYPE_CODES: ReadonlyMap<number, ConstructRow> = new Map([
  [0x7f, row('i32', 'mvp')],
  [0x7e, row('i64', 'mvp')],
  [0x7d, row('f32', 'mvp')],
  [0x7c, row('f64', 'mvp')],
  [0x7b, row('v128', 'simd')],
  [0x70, row('funcref', 'reference-types')],
  [0x6f, row('externref', 'reference-types')],
  [0x64, row('ref', 'function-references')],
  [0x63, row('ref null', 'function-references')],
  [0x6e, row('anyref', 'gc')],
  [0x6d, row('eqref', 'gc')],
  [0x6c, row('i31ref', 'gc')],
  [0x6b, row('structref', 'gc')],
  [0x6a, row('arrayref', 'gc')],
  [0x71, row('nullref', 'gc')],
  [0x72, row('nullexternref', 'gc')],
  [0x73, row('nullfuncref', 'gc')],
  [0x78, row('i8', 'gc')],
  [0x77, row('i16', 'gc')],
  [0x69, row('exnref', 'exception-handling')],
  [0x74, row('nullexnref', 'exception-handling')],
]);

/** Type section entry forms (the byte before a type definition). */
export const TYPE_FORMS: ReadonlyMap<number, ConstructRow> = new Map([
  [0x60, row('func', 'mvp')],
  [0x5f, row('struct', 'gc')],
  [0x5e, row('array', 'gc')],
  [0x50, row('sub', 'gc')],
  [0x4f, row('sub final', 'gc')],
  [0x4e, row('rec', 'gc')],
]);

/** Section ids (custom sections, id 0, are read by every decoder). */
export const SECTION_IDS: ReadonlyMap<number, ConstructRow> = new Map([
  [0, row('custom', 'mvp')],
  [1, row('type', 'mvp')],
  [2, row('import', 'mvp')],
  [3, row('function', 'mvp')],
  [4, row('table', 'mvp')],
  [5, row('memory', 'mvp')],
  [6, row('global', 'mvp')],
  [7, row('export', 'mvp')],
  [8, row('start', 'mvp')],
  [9, row('element', 'mvp')],
  [10, row('code', 'mvp')],
  [11, row('data', 'mvp')],
  [12, row('data count', 'bulk-memory')],
  [13, row('tag', 'exception-handling')],
]);

/** Import and export kinds. */
export const EXTERN_KINDS: ReadonlyMap<number, ConstructRow> = new Map([
  [0, row('func', 'mvp')],
  [1, row('table', 'mvp')],
  [2, row('memory', 'mvp')],
  [3, row('global', 'mvp')],
  [4, row('tag', 'exception-handling')],
]);

/** Limits flags: bit 0 a maximum, bit 1 shared (threads), bit 2 64-bit indices (memory64). */
export function limitsRow(flags: number, memory: boolean): ConstructRow | undefined {
  if (flags > 7) return undefined;
  if (flags & 4) return row(`${memory ? 'memory' : 'table'} i64`, 'memory64');
  // shared memories are decoded so that profiles reject them by name; shared tables are not
  if (flags & 2) return row(`shared ${memory ? 'memory' : 'table'}`, 'threads', memory);
  return row(flags & 1 ? 'min max' : 'min', 'mvp');
}

/** Element segment forms (flags 0-7): 0 is MVP, the others came with bulk memory and reference types. */
export const ELEM_FORMS: ReadonlyMap<number, ConstructRow> = new Map([
  [0, row('active, table 0, function indices', 'mvp')],
  [1, row('passive, function indices', 'bulk-memory')],
  [2, row('active, explicit table, function indices', 'bulk-memory')],
  [3, row('declarative, function indices', 'reference-types')],
  [4, row('active, table 0, expressions', 'bulk-memory')],
  [5, row('passive, expressions', 'bulk-memory')],
  [6, row('active, explicit table, expressions', 'bulk-memory')],
  [7, row('declarative, expressions', 'reference-types')],
]);

/** Data segment forms (flags 0-2). */
export const DATA_FORMS: ReadonlyMap<number, ConstructRow> = new Map([
  [0, row('active, memory 0', 'mvp')],
  [1, row('passive', 'bulk-memory')],
  [2, row('active, explicit memory', 'bulk-memory')],
]);

/** The row of `code` in `table` if our decoder reads it, else undefined. */
export function decodedRow(
  table: ReadonlyMap<number, ConstructRow>,
  code: number,
): ConstructRow | undefined {
  const r = table.get(code);
  return r?.decoded ? r : undefined;
}
