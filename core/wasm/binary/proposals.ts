/**
 * Which WebAssembly proposals outside the pinned feature set a module binary needs, decided from
 * the bytes: from the decoded module where our decoder reads it (more than one memory, a memory
 * index other than 0), else from the byte where the pinned decoder stopped (an opcode, a value type,
 * a limits flag, a section id or an import kind that belongs to a later proposal).
 *
 * The .wast runner asks it only for modules the script calls valid (or expects to link or trap): a
 * module that needs such a proposal is a skip named by it ("multi-memory: outside every ICN
 * profile"), never a failure.
 */
import { tryDecodeModule } from './decode.js';
import type { WasmModule } from './types.js';

/** One-byte opcodes of later proposals (pinned decoder: unknown_opcode). */
const OPCODE_FEATURE: Record<number, string> = {
  0x06: 'exception-handling', 0x07: 'exception-handling', 0x08: 'exception-handling', 0x09: 'exception-handling', 0x0a: 'exception-handling', 0x18: 'exception-handling', 0x19: 'exception-handling', 0x1f: 'exception-handling',
  0x12: 'tail-call', 0x13: 'tail-call',
  0x14: 'function-references', 0x15: 'function-references', 0xd4: 'function-references', 0xd5: 'function-references', 0xd6: 'function-references',
  0xd3: 'gc', 0xfb: 'gc',
  0xfe: 'threads',
};

/** Value/heap type bytes of later proposals (pinned decoder: malformed value or reference type). */
const TYPE_FEATURE: Record<number, string> = {
  0x63: 'function-references', 0x64: 'function-references',
  0x4e: 'gc', 0x4f: 'gc', 0x50: 'gc', 0x5e: 'gc', 0x5f: 'gc', 0x6e: 'gc', 0x6d: 'gc', 0x6c: 'gc', 0x6b: 'gc', 0x6a: 'gc', 0x71: 'gc', 0x72: 'gc', 0x73: 'gc', 0x74: 'exception-handling', 0x69: 'exception-handling',
};

const MEM_OPS_WITH_INDEX = new Set([0x3f, 0x40]); // memory.size / memory.grow: the index byte

function multiMemory(m: WasmModule): boolean {
  const mems = m.memories.length + m.imports.filter((i) => i.desc.kind === 'memory').length;
  if (mems > 1) return true;
  for (const c of m.codes) for (const ins of c.body) if ((ins.idx2 ?? 0) > 0 && ins.align !== undefined) return true;
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

/** The proposals beyond the pinned feature set this module binary needs (sorted names; [] for none). */
export function proposalsOf(bytes: Uint8Array): string[] {
  if (declaresManyMemories(bytes)) return ['multi-memory'];
  const d = tryDecodeModule(bytes);
  if (d.ok) return multiMemory(d.module) ? ['multi-memory'] : [];
  const { reason, offset } = d.error;
  const b = bytes[offset];
  if (b === undefined) return [];
  switch (reason) {
    case 'unknown_opcode':
      return OPCODE_FEATURE[b] ? [OPCODE_FEATURE[b]!] : [];
    case 'unsupported_feature':
      return b === 0xfe ? ['threads'] : [];
    case 'zero_byte_expected':
      // memory.size/grow/copy/fill/init with a memory index: multi-memory
      return ['multi-memory'];
    case 'malformed_value_type':
    case 'malformed_reference_type':
    case 'malformed_ref_type':
    case 'malformed_type':
    case 'malformed_block_type':
      return TYPE_FEATURE[b] ? [TYPE_FEATURE[b]!] : [];
    case 'malformed_limits':
      return b & 0x04 ? ['memory64'] : [];
    case 'malformed_section_id':
      return b === 13 ? ['exception-handling'] : [];
    case 'malformed_import_kind':
      return b === 4 ? ['exception-handling'] : [];
    default:
      return MEM_OPS_WITH_INDEX.has(b) ? ['multi-memory'] : [];
  }
}
