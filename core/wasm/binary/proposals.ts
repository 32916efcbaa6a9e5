/**
 * Which WebAssembly proposals a module binary needs, decided from the bytes and the decoder's own
 * tables (opcodes.ts for operators, proposal-table.ts for types, sections, kinds, limits and
 * segment forms): every proposal of every construct when our decoder reads the module (more than
 * one memory and a memory index other than 0 count as multi-memory), else the proposal of the
 * construct at the byte where the pinned decoder stopped (an opcode, a value type, a limits flag, a
 * section id, an import kind that belongs to a later proposal).
 *
 * The .wast runner asks it only for modules the script calls valid (or expects to link or trap): a
 * module that needs such a proposal is a skip named by it ("multi-memory: outside every ICN
 * profile"), never a failure.
 */
import { tryDecodeModule } from './decode.js';
import { opcodeRow, PREFIX_FC, PREFIX_FD, PREFIX_FE, PREFIX_FB } from './opcodes.js';
import {
  DATA_FORMS,
  ELEM_FORMS,
  EXTERN_KINDS,
  limitsRow,
  PINNED,
  SECTION_IDS,
  TYPE_CODES,
  TYPE_FORMS,
  type ConstructRow,
  type Proposal,
} from './proposal-table.js';
import {
  EXTERN_KIND_CODE,
  VALTYPE_CODE,
  type Expr,
  type Limits,
  type ValType,
  type WasmModule,
} from './types.js';

function multiMemory(m: WasmModule): boolean {
  const mems = m.memories.length + m.imports.filter((i) => i.desc.kind === 'memory').length;
  if (mems > 1) return true;
  for (const c of m.codes)
    for (const ins of c.body) if ((ins.idx2 ?? 0) > 0 && ins.align !== undefined) return true;
  for (const d of m.datas) if (((d as { memory?: number }).memory ?? 0) > 0) return true;
  return false;
}

function leb(bytes: Uint8Array, at: { pos: number }): number {
  let v = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at.pos++];
    if (b === undefined || shift > 28) return -1;
    v += (b & 0x7f) * 2 ** shift;
    if (!(b & 0x80)) return v;
    shift += 7;
  }
}

/** More than one memory, counted from the section headers (for modules our decoder stops on). */
function declaresManyMemories(bytes: Uint8Array): boolean {
  const at = { pos: 8 };
  let memories = 0;
  while (at.pos < bytes.length) {
    const id = bytes[at.pos++]!;
    const size = leb(bytes, at);
    if (size < 0) return false;
    const end = at.pos + size;
    if (id === 5) memories += Math.max(0, leb(bytes, { pos: at.pos }));
    if (id === 2) memories += memoryImports(bytes, { pos: at.pos });
    at.pos = end;
  }
  return memories > 1;
}

function memoryImports(bytes: Uint8Array, at: { pos: number }): number {
  let n = 0;
  const count = leb(bytes, at);
  for (let i = 0; i < count && at.pos < bytes.length; i++) {
    at.pos += Math.max(0, leb(bytes, at));
    at.pos += Math.max(0, leb(bytes, at));
    const kind = bytes[at.pos++];
    if (kind === 0) leb(bytes, at);
    else if (kind === 1 || kind === 2) {
      if (kind === 1) at.pos++; // reference type (pinned set: one byte)
      const flags = bytes[at.pos++] ?? 0;
      leb(bytes, at);
      if (flags & 1) leb(bytes, at);
      if (kind === 2) n++;
    } else if (kind === 3) at.pos += 2;
    else return n; // a kind beyond the pinned set: stop counting
  }
  return n;
}

/** The opcode key at `pos` (a prefix byte and its LEB sub-opcode, or one byte). */
function opcodeKeyAt(bytes: Uint8Array, pos: number): number {
  const first = bytes[pos]!;
  if (first !== PREFIX_FB && first !== PREFIX_FC && first !== PREFIX_FD && first !== PREFIX_FE)
    return first;
  const sub = leb(bytes, { pos: pos + 1 });
  return sub < 0 || sub > 0xffff ? first : (first << 16) | sub;
}

/** A row our decoder does not read → its proposal (rows it reads name no missing proposal). */
const beyond = (r: ConstructRow | undefined): Proposal[] =>
  r !== undefined && !r.decoded ? [r.proposal] : [];

/** The proposal of the construct at the byte where the pinned decoder stopped (from the tables). */
function proposalAtStop(bytes: Uint8Array, reason: string, offset: number): Proposal[] {
  const b = bytes[offset];
  if (b === undefined) return [];
  switch (reason) {
    case 'unknown_opcode':
    case 'unsupported_feature':
      return beyond(opcodeRow(opcodeKeyAt(bytes, offset)));
    case 'zero_byte_expected':
      // memory.size/grow/copy/fill/init with a memory index other than 0
      return ['multi-memory'];
    case 'malformed_value_type':
    case 'malformed_reference_type':
    case 'malformed_ref_type':
    case 'malformed_type':
    case 'malformed_block_type':
      return beyond(TYPE_FORMS.get(b) ?? TYPE_CODES.get(b));
    case 'malformed_limits':
      return beyond(limitsRow(b, false));
    case 'malformed_section_id':
      return beyond(SECTION_IDS.get(b));
    case 'malformed_import_kind':
    case 'malformed_export_kind':
      return beyond(EXTERN_KINDS.get(b));
    case 'malformed_elem_flags':
      return beyond(ELEM_FORMS.get(b));
    case 'malformed_data_flags':
      return beyond(DATA_FORMS.get(b));
    default:
      return [];
  }
}

const typeProposal = (t: ValType): Proposal => TYPE_CODES.get(VALTYPE_CODE[t])!.proposal;
const limitsProposal = (l: Limits, memory: boolean): Proposal =>
  limitsRow((l.max !== undefined ? 1 : 0) | (l.shared ? 2 : 0), memory)!.proposal;
/** The operators extended-const adds to constant expressions. */
const EXTENDED_CONST = new Set(['i32.add', 'i32.sub', 'i32.mul', 'i64.add', 'i64.sub', 'i64.mul']);

function exprProposals(e: Expr, out: Set<Proposal>, constant: boolean): void {
  for (const ins of e) {
    const r = opcodeRow(ins.op);
    if (r !== undefined) out.add(r.proposal);
    if (constant && r !== undefined && EXTENDED_CONST.has(r.name)) out.add('extended-const');
    if (ins.bt?.kind === 'type') out.add('multi-value');
    if (ins.align !== undefined && (ins.idx2 ?? 0) > 0) out.add('multi-memory');
    for (const t of ins.types ?? []) out.add(typeProposal(t));
  }
}

/** Every proposal a decoded module uses, pinned or not, read construct by construct from the tables. */
export function proposalsUsed(m: WasmModule): Proposal[] {
  const out = new Set<Proposal>(['mvp']);
  for (const s of m.sections) out.add(SECTION_IDS.get(s.id)!.proposal);
  for (const t of m.types) {
    for (const v of [...t.params, ...t.results]) out.add(typeProposal(v));
    if (t.results.length > 1) out.add('multi-value');
  }
  for (const i of m.imports) {
    out.add(EXTERN_KINDS.get(EXTERN_KIND_CODE[i.desc.kind])!.proposal);
    if (i.desc.kind === 'table')
      out.add(typeProposal(i.desc.table.elem)).add(limitsProposal(i.desc.table.limits, false));
    if (i.desc.kind === 'memory') out.add(limitsProposal(i.desc.memory.limits, true));
    if (i.desc.kind === 'global')
      out
        .add(typeProposal(i.desc.global.type))
        .add(i.desc.global.mutable ? 'mutable-globals' : 'mvp');
  }
  const importedGlobals = m.imports.filter((i) => i.desc.kind === 'global').length;
  for (const e of m.exports) {
    out.add(EXTERN_KINDS.get(EXTERN_KIND_CODE[e.kind])!.proposal);
    if (e.kind === 'global' && m.globals[e.index - importedGlobals]?.type.mutable)
      out.add('mutable-globals');
  }
  for (const t of m.tables)
    out.add(typeProposal(t.type.elem)).add(limitsProposal(t.type.limits, false));
  for (const mem of m.memories) out.add(limitsProposal(mem.type.limits, true));
  for (const g of m.globals) {
    out.add(typeProposal(g.type.type));
    exprProposals(g.init, out, true);
  }
  for (const e of m.elems) {
    out.add(ELEM_FORMS.get(e.flags)!.proposal).add(typeProposal(e.type));
    if (e.offsetExpr) exprProposals(e.offsetExpr, out, true);
    for (const x of e.exprs ?? []) exprProposals(x, out, true);
  }
  for (const d of m.datas) {
    out.add(DATA_FORMS.get(d.flags)!.proposal);
    if (d.offsetExpr) exprProposals(d.offsetExpr, out, true);
  }
  for (const c of m.codes) {
    for (const l of c.locals) out.add(typeProposal(l.type));
    exprProposals(c.body, out, false);
  }
  if (multiMemory(m)) out.add('multi-memory');
  return [...out].sort();
}

/**
 * The proposals beyond the pinned feature set this module binary needs (sorted names; [] for none):
 * every one, when our decoder reads the module; else multi-memory when the section headers
 * declare several memories, else the one of the construct where it stopped.
 */
export function proposalsOf(bytes: Uint8Array): Proposal[] {
  const many = declaresManyMemories(bytes);
  const d = tryDecodeModule(bytes);
  if (d.ok) return proposalsUsed(d.module).filter((p) => !PINNED.has(p));
  // Where a module has several memories, the byte the pinned decoder stops at can lie inside a
  // multi-memory encoding it reads otherwise (a segment's memory index): that stop names nothing.
  if (many) return ['multi-memory'];
  return proposalAtStop(bytes, d.error.reason, d.error.offset);
}
