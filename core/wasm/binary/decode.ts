/**
 * The binary decoder: bytes → WasmModule, with the byte offset of every section, entry and
 * instruction. Structural (malformed-ness) checks only; typing is the validator's job. Any input
 * either decodes or throws WasmDecodeError (code WASM_MALFORMED) with an offset.
 */
import { opInfo, PREFIX_FC, PREFIX_FD, type OpInfo } from './opcodes.js';
import { DATA_FORMS, decodedRow, ELEM_FORMS, limitsRow, SECTION_IDS } from './proposal-table.js';
import { Reader, WasmDecodeError } from './reader.js';
import {
  emptyModule,
  EXTERN_KIND_CODE,
  SECTION_ORDER,
  VALTYPE_BY_CODE,
  type BlockType,
  type DataSegment,
  type ElemSegment,
  type Expr,
  type ExternKind,
  type FuncBody,
  type FuncType,
  type GlobalType,
  type ImportDesc,
  type Instr,
  type Limits,
  type RefType,
  type TableType,
  type ValType,
  type WasmModule,
} from './types.js';

export { WasmDecodeError };

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
const VERSION = [0x01, 0x00, 0x00, 0x00];
const KIND_BY_CODE: ExternKind[] = (Object.entries(EXTERN_KIND_CODE) as [ExternKind, number][])
  .sort((a, b) => a[1] - b[1])
  .map(([k]) => k);
/** Locals beyond this total are malformed (the spec's bound is 2^32-1; engines reject far earlier). */
const MAX_LOCALS = 0xffff_ffff;

function valType(r: Reader): ValType {
  const at = r.pos;
  const t = VALTYPE_BY_CODE.get(r.u8());
  if (t === undefined)
    r.fail('malformed_value_type', `unknown value type 0x${r.bytes[at]!.toString(16)}`, at);
  return t;
}

function refType(r: Reader): RefType {
  const at = r.pos;
  const b = r.u8();
  if (b === 0x70) return 'funcref';
  if (b === 0x6f) return 'externref';
  return r.fail('malformed_reference_type', `unknown reference type 0x${b.toString(16)}`, at);
}

function limits(r: Reader, memory: boolean): Limits {
  const at = r.pos;
  const flags = r.u8();
  if (!limitsRow(flags, memory)?.decoded)
    r.fail('malformed_limits', `unknown limits flags 0x${flags.toString(16)}`, at);
  const min = r.u32();
  const l: Limits = { min, shared: (flags & 2) !== 0 };
  if (flags & 1) l.max = r.u32();
  return l;
}

function tableType(r: Reader): TableType {
  const elem = refType(r);
  return { elem, limits: limits(r, false) };
}

function globalType(r: Reader): GlobalType {
  const type = valType(r);
  const at = r.pos;
  const m = r.u8();
  if (m > 1) r.fail('malformed_mutability', `mutability must be 0 or 1, got ${m}`, at);
  return { type, mutable: m === 1 };
}

function blockType(r: Reader): BlockType {
  const b = r.peek();
  if (b === 0x40) {
    r.pos++;
    return { kind: 'empty' };
  }
  const t = VALTYPE_BY_CODE.get(b);
  if (t !== undefined) {
    r.pos++;
    return { kind: 'val', type: t };
  }
  const at = r.pos;
  const idx = r.sleb(33);
  if (idx < 0n) r.fail('malformed_block_type', `unknown block type`, at);
  return { kind: 'type', index: Number(idx) };
}

function u32s(r: Reader, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(r.u32());
  return out;
}

/**
 * Memarg flags: bits 0-5 alignment exponent, bit 6 = an explicit memory index follows
 * (multi-memory encoding, validated as memory 0 only); anything above is malformed.
 */
function memarg(r: Reader, ins: Instr): void {
  const at = r.pos;
  const flags = r.u32();
  if (flags >= 128)
    r.fail('malformed_memop_flags', `memory access flags ${flags} out of range`, at);
  ins.align = flags;
  if (flags & 64) ins.idx2 = r.u32();
  ins.memOffset = r.u32();
}

/** The opcode at `offset` as a table key (`prefix << 16 | sub` for prefixed ones), known or failed. */
function opcodeKey(r: Reader, offset: number): number {
  const first = r.u8();
  let key = first;
  if (first === PREFIX_FC || first === PREFIX_FD) {
    const sub = r.u32();
    // a sub-opcode of 2^16 or more would alias a smaller one in the key (`prefix << 16 | sub`)
    if (sub > 0xffff)
      r.fail('unknown_opcode', `unknown opcode 0x${first.toString(16)} ${sub}`, offset);
    key = (first << 16) | sub;
  } else if (first === 0xfe)
    r.fail(
      'unsupported_feature',
      'atomic instruction (threads proposal): outside the pinned feature set',
      offset,
    );
  if (opInfo(key) === undefined) {
    const sub = key > 0xff ? ` 0x${(key & 0xffff).toString(16)}` : '';
    r.fail('unknown_opcode', `unknown opcode 0x${first.toString(16)}${sub}`, offset);
  }
  return key;
}

/** Decode one instruction (after its opcode byte(s) were peeked at `at`). */
function instr(r: Reader, m: Ctx): Instr {
  const offset = r.pos;
  const key = opcodeKey(r, offset);
  const info = opInfo(key)!;
  const ins: Instr = { op: key, offset };
  immediates(r, m, info, ins);
  if (info.name === 'data.drop') m.needsDataCount ??= offset;
  return ins;
}

/** The instruction's immediates, by the operator table's immediate kind. */
function immediates(r: Reader, m: Ctx, info: OpInfo, ins: Instr): void {
  switch (info.imm) {
    case 'none':
      break;
    case 'blocktype':
      ins.bt = blockType(r);
      break;
    case 'label':
    case 'func':
    case 'local':
    case 'global':
    case 'table':
    case 'data':
    case 'elem':
      ins.idx = r.u32();
      break;
    case 'br_table':
      ins.labels = u32s(r, r.count());
      ins.idx = r.u32();
      break;
    case 'call_indirect':
      ins.idx = r.u32();
      ins.idx2 = r.u32();
      break;
    case 'memarg':
    case 'memarg_lane':
      memarg(r, ins);
      if (info.imm === 'memarg_lane') ins.lane = r.u8();
      break;
    case 'i32':
      ins.value = r.s32();
      break;
    case 'i64':
      ins.value = r.s64();
      break;
    case 'f32':
      ins.value = r.u32le();
      break;
    case 'f64':
      ins.value = r.u64le();
      break;
    case 'v128':
    case 'shuffle':
      ins.bytes = r.take(16).slice();
      break;
    case 'lane':
      ins.lane = r.u8();
      break;
    case 'reftype':
      ins.refType = refType(r);
      break;
    case 'select_t':
      ins.types = Array.from({ length: r.count() }, () => valType(r));
      break;
    case 'zero_byte': {
      const at = r.pos;
      if (r.u8() !== 0)
        r.fail('zero_byte_expected', `${info.name}: memory index byte must be 0x00`, at);
      break;
    }
    case 'data_zero': {
      ins.idx = r.u32();
      const at = r.pos;
      if (r.u8() !== 0)
        r.fail('zero_byte_expected', 'memory.init: memory index byte must be 0x00', at);
      m.needsDataCount ??= ins.offset;
      break;
    }
    case 'zero_zero': {
      const at = r.pos;
      if (r.u8() !== 0 || r.u8() !== 0)
        r.fail('zero_byte_expected', 'memory.copy: memory index bytes must be 0x00', at);
      break;
    }
    case 'elem_table':
    case 'table_table':
      ins.idx = r.u32();
      ins.idx2 = r.u32();
      break;
  }
}

interface Ctx {
  /** Offset of the first instruction that needs a data count section (memory.init, data.drop). */
  needsDataCount?: number;
  /** Data segment bytes are views of the input, not copies (lazy decoding). */
  views?: boolean;
}

/** Decode an instruction sequence up to the `end` that closes it (depth 0). Returns it without that end. */
function expr(r: Reader, m: Ctx): Expr {
  const out: Instr[] = [];
  let depth = 0;
  for (;;) {
    if (r.eof()) r.fail('unexpected_end', 'expression or function body ends without `end`');
    const ins = instr(r, m);
    if (ins.op === 0x0b) {
      if (depth === 0) return out;
      depth--;
    } else if (ins.op === 0x02 || ins.op === 0x03 || ins.op === 0x04) depth++;
    out.push(ins);
  }
}

function constExpr(r: Reader, m: Ctx): Expr {
  return expr(r, m);
}

function importDesc(r: Reader): ImportDesc {
  const at = r.pos;
  const k = r.u8();
  switch (k) {
    case 0:
      return { kind: 'func', typeIndex: r.u32() };
    case 1:
      return { kind: 'table', table: tableType(r) };
    case 2:
      return { kind: 'memory', memory: { limits: limits(r, true) } };
    case 3:
      return { kind: 'global', global: globalType(r) };
    default:
      return r.fail('malformed_import_kind', `unknown import kind 0x${k.toString(16)}`, at);
  }
}

function elemSegment(r: Reader, m: Ctx): ElemSegment {
  const offset = r.pos;
  const flags = r.u32();
  if (!decodedRow(ELEM_FORMS, flags))
    r.fail('malformed_elem_flags', `unknown element segment flags ${flags}`, offset);
  const passiveOrDecl = (flags & 1) !== 0;
  const explicitTable = (flags & 2) !== 0;
  const usesExprs = (flags & 4) !== 0;
  const seg: ElemSegment = {
    flags,
    offset,
    table: 0,
    type: 'funcref',
    mode: passiveOrDecl ? (explicitTable ? 'declarative' : 'passive') : 'active',
  };
  if (!passiveOrDecl) {
    if (explicitTable) seg.table = r.u32();
    seg.offsetExpr = constExpr(r, m);
  }
  if (passiveOrDecl || explicitTable) {
    if (usesExprs) seg.type = refType(r);
    else {
      const at = r.pos;
      if (r.u8() !== 0) r.fail('malformed_elem_kind', 'element kind must be 0x00 (funcref)', at);
    }
  }
  const n = r.count();
  if (usesExprs) {
    seg.exprs = [];
    for (let i = 0; i < n; i++) seg.exprs.push(constExpr(r, m));
  } else {
    seg.funcs = [];
    for (let i = 0; i < n; i++) seg.funcs.push(r.u32());
  }
  return seg;
}

function dataSegment(r: Reader, m: Ctx): DataSegment {
  const offset = r.pos;
  const flags = r.u32();
  if (!decodedRow(DATA_FORMS, flags))
    r.fail('malformed_data_flags', `unknown data segment flags ${flags}`, offset);
  const seg: DataSegment = {
    flags,
    offset,
    mode: flags === 1 ? 'passive' : 'active',
    memory: 0,
    bytes: new Uint8Array(0),
  };
  if (flags === 2) seg.memory = r.u32();
  if (flags !== 1) seg.offsetExpr = constExpr(r, m);
  const len = r.u32();
  seg.bytes = m.views ? r.take(len) : r.take(len).slice();
  return seg;
}

/** A body's size and local declarations; returns the reader over its instructions. */
function bodyHeader(r: Reader): { head: Omit<FuncBody, 'body'>; br: Reader } {
  const offset = r.pos;
  const size = r.u32();
  const bodyOffset = r.pos;
  if (size > r.end - r.pos)
    r.fail('unexpected_end', `function body of ${size} bytes runs past the section end`, offset);
  const br: Reader = new Reader(r.bytes, r.pos, r.pos + size);
  const groups = br.count();
  const locals: FuncBody['locals'] = [];
  let total = 0;
  for (let i = 0; i < groups; i++) {
    const at = br.pos;
    const count = br.u32();
    total += count;
    if (total > MAX_LOCALS) br.fail('too_many_locals', `more than ${MAX_LOCALS} locals`, at);
    locals.push({ count, type: valType(br) });
  }
  r.pos = br.end;
  return { head: { locals, offset, bodyOffset, size }, br };
}

/** The instructions of a body up to its final `end`, which must be its last byte. */
function bodyExpr(br: Reader, m: Ctx): Expr {
  const body = expr(br, m);
  if (!br.eof())
    br.fail('section_size_mismatch', "bytes left after the function body's final `end`");
  return body;
}

function funcBody(r: Reader, m: Ctx): FuncBody {
  const { head, br } = bodyHeader(r);
  const { locals, offset, bodyOffset, size } = head;
  return { locals, body: bodyExpr(br, m), offset, bodyOffset, size };
}

/** Where an unread body's instructions are: `bytes[start, end)`, its final `end` included. */
export interface BodyRange {
  bytes: Uint8Array;
  start: number;
  end: number;
}

/** Lazily decoded bodies not read yet (reading `body` decodes it once and drops the entry). */
const unread = new WeakMap<FuncBody, BodyRange>();

/** The byte range of a body decoded lazily and not read since, else undefined. */
export function unreadBody(code: FuncBody): BodyRange | undefined {
  return unread.get(code);
}

function settle(code: FuncBody, body: Expr): void {
  unread.delete(code);
  Object.defineProperty(code, 'body', {
    value: body,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

/** Decode an unread body (its range is in `unread`) and keep the instructions as a plain property. */
function readBody(code: FuncBody): Expr {
  const range = unread.get(code)!;
  const body = bodyExpr(new Reader(range.bytes, range.start, range.end), {});
  settle(code, body);
  return body;
}

/**
 * A body whose locals are read and whose instructions stay bytes until `body` is first read (or
 * set). Reading it throws WasmDecodeError on malformed code: validation reads every body first.
 * (An object literal with the accessor: cheaper than defining it on each object afterwards.)
 */
function lazyBody(r: Reader): FuncBody {
  const { head, br } = bodyHeader(r);
  const code: FuncBody = {
    locals: head.locals,
    get body(): Expr {
      return readBody(this);
    },
    set body(v: Expr) {
      settle(this, v);
    },
    offset: head.offset,
    bodyOffset: head.bodyOffset,
    size: head.size,
  };
  unread.set(code, { bytes: br.bytes, start: br.pos, end: br.end });
  return code;
}

/** A function body's extent only, its code not read (`bodies: false`: for export and import shapes). */
function skipBody(r: Reader): FuncBody {
  const offset = r.pos;
  const size = r.u32();
  if (size > r.end - r.pos)
    r.fail('unexpected_end', `function body of ${size} bytes runs past the section end`, offset);
  const bodyOffset = r.pos;
  r.pos += size;
  return { locals: [], body: [], offset, bodyOffset, size };
}

export interface DecodeOptions {
  /**
   * false: function bodies are skipped by their size, unread and left empty; 'lazy': locals read,
   * instructions decoded on first use of `body` (see unreadBody), and data segments' bytes are
   * views of the input (which must not change while the module is in use); default true: all
   * decoded, every byte copied.
   */
  bodies?: boolean | 'lazy';
}

/** Decoding state across sections. */
interface State {
  ctx: Ctx;
  opts: DecodeOptions;
  funcCount?: number;
  contentOffset: number;
}

function typeSection(s: Reader, m: WasmModule): void {
  const n = s.count();
  for (let i = 0; i < n; i++) {
    const at = s.pos;
    if (s.u8() !== 0x60) s.fail('malformed_type', 'function type must start with 0x60', at);
    const params: ValType[] = [];
    for (let j = 0, k = s.count(); j < k; j++) params.push(valType(s));
    const results: ValType[] = [];
    for (let j = 0, k = s.count(); j < k; j++) results.push(valType(s));
    m.types.push({ params, results } satisfies FuncType);
    (m.typeOffsets ??= []).push(at);
  }
}

function importSection(s: Reader, m: WasmModule): void {
  const n = s.count(3);
  for (let i = 0; i < n; i++) {
    const at = s.pos;
    const module = s.name();
    const name = s.name();
    m.imports.push({ module, name, desc: importDesc(s), offset: at });
  }
}

function functionSection(s: Reader, m: WasmModule, st: State): void {
  const n = s.count();
  for (let i = 0; i < n; i++) {
    (m.funcOffsets ??= []).push(s.pos);
    m.funcs.push(s.u32());
  }
  st.funcCount = n;
}

function tableSection(s: Reader, m: WasmModule): void {
  const n = s.count(2);
  for (let i = 0; i < n; i++) {
    const at = s.pos;
    m.tables.push({ type: tableType(s), offset: at });
  }
}

function memorySection(s: Reader, m: WasmModule): void {
  const n = s.count(2);
  for (let i = 0; i < n; i++) {
    const at = s.pos;
    m.memories.push({ type: { limits: limits(s, true) }, offset: at });
  }
}

function globalSection(s: Reader, m: WasmModule, st: State): void {
  const n = s.count(3);
  for (let i = 0; i < n; i++) {
    const at = s.pos;
    const type = globalType(s);
    m.globals.push({ type, init: constExpr(s, st.ctx), offset: at });
  }
}

function exportSection(s: Reader, m: WasmModule): void {
  const n = s.count(3);
  for (let i = 0; i < n; i++) {
    const at = s.pos;
    const name = s.name();
    const kat = s.pos;
    const kind: ExternKind | undefined = KIND_BY_CODE[s.u8()];
    if (kind === undefined) s.fail('malformed_export_kind', 'unknown export kind', kat);
    m.exports.push({ name, kind, index: s.u32(), offset: at });
  }
}

function codeSection(s: Reader, m: WasmModule, st: State): void {
  const n = s.count();
  const declared = st.funcCount ?? 0;
  if (n !== declared)
    s.fail(
      'function_and_code_section_have_inconsistent_lengths',
      `code section has ${n} bodies for ${declared} declared functions`,
      st.contentOffset,
    );
  const mode = st.opts.bodies ?? true;
  for (let i = 0; i < n; i++)
    m.codes.push(
      mode === false ? skipBody(s) : mode === 'lazy' ? lazyBody(s) : funcBody(s, st.ctx),
    );
}

function dataSection(s: Reader, m: WasmModule, st: State): void {
  const n = s.count();
  if (m.dataCount !== undefined && n !== m.dataCount)
    s.fail(
      'data_count_and_data_section_have_inconsistent_lengths',
      `data section has ${n} segments, data count says ${m.dataCount}`,
      st.contentOffset,
    );
  if (st.opts.bodies === 'lazy') {
    lazyDatas(m, { bytes: s.bytes, start: s.pos, end: s.end, count: n });
    s.pos = s.end;
    return;
  }
  for (let i = 0; i < n; i++) m.datas.push(dataSegment(s, st.ctx));
}

/** A data section not decoded yet: its `count` segments in `bytes[start, end)`. */
export interface DataRange extends BodyRange {
  count: number;
}

const unreadData = new WeakMap<WasmModule, DataRange>();

/** The byte range of a data section decoded lazily and not read since, else undefined. */
export function unreadDatas(m: WasmModule): DataRange | undefined {
  return unreadData.get(m);
}

/**
 * Data segments decoded on first use of `datas` (a module may have 100,000 of them: Go's).
 * Reading it throws WasmDecodeError on a malformed section, as the eager decoder would have.
 */
function lazyDatas(m: WasmModule, range: DataRange): void {
  const settleDatas = (v: DataSegment[]): void => {
    unreadData.delete(m);
    Object.defineProperty(m, 'datas', {
      value: v,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  };
  unreadData.set(m, range);
  Object.defineProperty(m, 'datas', {
    enumerable: true,
    configurable: true,
    get(): DataSegment[] {
      const r = new Reader(range.bytes, range.start, range.end);
      const ctx: Ctx = { views: true };
      const datas: DataSegment[] = [];
      for (let i = 0; i < range.count; i++) datas.push(dataSegment(r, ctx));
      if (!r.eof())
        r.fail(
          'section_size_mismatch',
          `section 11 declares more bytes than its segments use (content ends at byte ${r.pos})`,
          r.pos,
        );
      if (ctx.needsDataCount !== undefined && m.dataCount === undefined)
        r.fail(
          'data_count_section_required',
          'memory.init/data.drop need a data count section',
          ctx.needsDataCount,
        );
      settleDatas(datas);
      return datas;
    },
    set: settleDatas,
  });
}

/** Readers of the known non-custom sections, by id. */
const SECTION_READERS: Readonly<Record<number, (s: Reader, m: WasmModule, st: State) => void>> = {
  1: typeSection,
  2: importSection,
  3: functionSection,
  4: tableSection,
  5: memorySection,
  6: globalSection,
  7: exportSection,
  8: (s, m, st) => {
    m.start = { func: s.u32(), offset: st.contentOffset };
  },
  9: (s, m, st) => {
    for (let i = 0, n = s.count(); i < n; i++) m.elems.push(elemSegment(s, st.ctx));
  },
  10: codeSection,
  11: dataSection,
  12: (s, m) => {
    m.dataCount = s.u32();
  },
};

function header(r: Reader): void {
  for (let i = 0; i < 4; i++)
    if (r.eof() || r.u8() !== MAGIC[i])
      r.fail('magic_header_not_detected', 'not a wasm binary (magic header \\0asm missing)', 0);
  for (let i = 0; i < 4; i++)
    if (r.eof() || r.u8() !== VERSION[i])
      r.fail('unknown_binary_version', 'unsupported binary version (expected 1)', 4);
}

/** Checks that need the whole module: code and data sections against their declared counts. */
function finish(r: Reader, m: WasmModule, st: State): void {
  if ((st.funcCount ?? 0) > 0 && m.codes.length === 0)
    r.fail(
      'function_and_code_section_have_inconsistent_lengths',
      `${st.funcCount} functions declared but there is no code section`,
      r.pos,
    );
  if (
    m.dataCount !== undefined &&
    m.dataCount > 0 &&
    !m.sections.some((s) => s.id === 11) &&
    m.datas.length === 0
  ) {
    r.fail(
      'data_count_and_data_section_have_inconsistent_lengths',
      `data count ${m.dataCount} but no data section`,
      r.pos,
    );
  }
  if (st.ctx.needsDataCount !== undefined && m.dataCount === undefined)
    r.fail(
      'data_count_section_required',
      'memory.init/data.drop need a data count section',
      st.ctx.needsDataCount,
    );
}

/**
 * Decode a module. Throws WasmDecodeError (IcnError code WASM_MALFORMED) with the offset of the
 * problem. With `bodies: 'lazy'` malformed code and a missing data count section that code needs
 * are found only when a body is read (the validator reads them all).
 */
export function decodeModule(bytes: Uint8Array, opts: DecodeOptions = {}): WasmModule {
  const r: Reader = new Reader(bytes);
  const m = emptyModule();
  const st: State = { ctx: { views: opts.bodies === 'lazy' }, opts, contentOffset: 0 };
  header(r);
  let lastOrder = -1;
  let lastId = 0;
  while (!r.eof()) {
    const offset = r.pos;
    const id = r.u8();
    const size = r.u32();
    const contentOffset = r.pos;
    if (size > r.end - r.pos)
      r.fail(
        'unexpected_end',
        `section ${id} of ${size} bytes runs past the end of the module`,
        offset,
      );
    const s: Reader = new Reader(bytes, contentOffset, contentOffset + size);
    m.sections.push({ id, offset, contentOffset, size });
    if (id === 0) {
      const name = s.name();
      m.customs.push({ name, bytes: s.take(s.end - s.pos).slice(), after: lastId, offset });
      r.pos = s.end;
      continue;
    }
    const order = SECTION_ORDER.indexOf(id);
    if (!decodedRow(SECTION_IDS, id) || order < 0)
      r.fail('malformed_section_id', `unknown section id ${id}`, offset);
    if (order <= lastOrder)
      r.fail('unexpected_section', `section ${id} is out of order or repeated`, offset);
    lastOrder = order;
    lastId = id;
    st.contentOffset = contentOffset;
    SECTION_READERS[id]!(s, m, st);
    if (!s.eof())
      s.fail(
        'section_size_mismatch',
        `section ${id} declares ${size} bytes but its content ends at byte ${s.pos}`,
        s.pos,
      );
    r.pos = s.end;
  }
  finish(r, m, st);
  return m;
}

/** Decode without throwing: the module, or the decode error. */
export function tryDecodeModule(
  bytes: Uint8Array,
): { ok: true; module: WasmModule } | { ok: false; error: WasmDecodeError } {
  try {
    return { ok: true, module: decodeModule(bytes) };
  } catch (e) {
    if (e instanceof WasmDecodeError) return { ok: false, error: e };
    throw e;
  }
}
