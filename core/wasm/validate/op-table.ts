/**
 * The opcode table in the shape the byte-level body checker reads: one dense slot per opcode
 * (one-byte opcodes at their byte, 0xfc sub at 256 + sub, 0xfd sub at 512 + sub) holding the row,
 * its operand signature as value-type codes and a handler number, so the hot loop indexes typed
 * arrays instead of looking up maps or parsing signatures per instruction.
 */
import { allOps, parseSig, PREFIX_FC, PREFIX_FD, type OpInfo } from '../binary/opcodes.js';
import { VALTYPE_CODE, type ValType } from '../binary/types.js';

/** Value-type codes on the checker's operand stack (the binary codes; 0 = unknown). */
export const T = {
  unknown: 0,
  i32: 0x7f,
  i64: 0x7e,
  f32: 0x7d,
  f64: 0x7c,
  v128: 0x7b,
  funcref: 0x70,
  externref: 0x6f,
} as const;

export const codeOf = (t: ValType): number => VALTYPE_CODE[t];
export const codesOf = (ts: readonly ValType[]): Uint8Array => Uint8Array.from(ts, codeOf);

/** Handlers: instructions the checker types by hand; everything else is GENERIC (by signature). */
export const H = {
  GENERIC: 0,
  UNREACHABLE: 1,
  NOP: 2,
  BLOCK: 3,
  LOOP: 4,
  IF: 5,
  ELSE: 6,
  END: 7,
  BR: 8,
  BR_IF: 9,
  BR_TABLE: 10,
  RETURN: 11,
  CALL: 12,
  CALL_INDIRECT: 13,
  DROP: 14,
  SELECT: 15,
  SELECT_T: 16,
  LOCAL_GET: 17,
  LOCAL_SET: 18,
  LOCAL_TEE: 19,
  GLOBAL_GET: 20,
  GLOBAL_SET: 21,
  TABLE_GET: 22,
  TABLE_SET: 23,
  TABLE_SIZE: 24,
  TABLE_GROW: 25,
  TABLE_FILL: 26,
  TABLE_COPY: 27,
  TABLE_INIT: 28,
  ELEM_DROP: 29,
  MEMORY_INIT: 30,
  DATA_DROP: 31,
  REF_NULL: 32,
  REF_IS_NULL: 33,
  REF_FUNC: 34,
  I32_CONST: 35,
} as const;

const HANDLER_BY_NAME: Readonly<Record<string, number>> = {
  unreachable: H.UNREACHABLE,
  nop: H.NOP,
  block: H.BLOCK,
  loop: H.LOOP,
  if: H.IF,
  else: H.ELSE,
  end: H.END,
  br: H.BR,
  br_if: H.BR_IF,
  br_table: H.BR_TABLE,
  return: H.RETURN,
  call: H.CALL,
  call_indirect: H.CALL_INDIRECT,
  drop: H.DROP,
  select: H.SELECT,
  select_t: H.SELECT_T,
  'local.get': H.LOCAL_GET,
  'local.set': H.LOCAL_SET,
  'local.tee': H.LOCAL_TEE,
  'global.get': H.GLOBAL_GET,
  'global.set': H.GLOBAL_SET,
  'table.get': H.TABLE_GET,
  'table.set': H.TABLE_SET,
  'table.size': H.TABLE_SIZE,
  'table.grow': H.TABLE_GROW,
  'table.fill': H.TABLE_FILL,
  'table.copy': H.TABLE_COPY,
  'table.init': H.TABLE_INIT,
  'elem.drop': H.ELEM_DROP,
  'memory.init': H.MEMORY_INIT,
  'data.drop': H.DATA_DROP,
  'ref.null': H.REF_NULL,
  'ref.is_null': H.REF_IS_NULL,
  'ref.func': H.REF_FUNC,
  'i32.const': H.I32_CONST,
};

/** Immediate shapes the reader skips or reads (numbers for a switch on small integers). */
export const IMM = {
  none: 0,
  blocktype: 1,
  u32: 2,
  br_table: 3,
  u32x2: 4,
  memarg: 5,
  memarg_lane: 6,
  i32: 7,
  i64: 8,
  f32: 9,
  f64: 10,
  v128: 11,
  shuffle: 12,
  lane: 13,
  reftype: 14,
  select_t: 15,
  zero_byte: 16,
  data_zero: 17,
  zero_zero: 18,
} as const;

const IMM_OF: Readonly<Record<OpInfo['imm'], number>> = {
  none: IMM.none,
  blocktype: IMM.blocktype,
  label: IMM.u32,
  func: IMM.u32,
  local: IMM.u32,
  global: IMM.u32,
  table: IMM.u32,
  data: IMM.u32,
  elem: IMM.u32,
  br_table: IMM.br_table,
  call_indirect: IMM.u32x2,
  elem_table: IMM.u32x2,
  table_table: IMM.u32x2,
  memarg: IMM.memarg,
  memarg_lane: IMM.memarg_lane,
  i32: IMM.i32,
  i64: IMM.i64,
  f32: IMM.f32,
  f64: IMM.f64,
  v128: IMM.v128,
  shuffle: IMM.shuffle,
  lane: IMM.lane,
  reftype: IMM.reftype,
  select_t: IMM.select_t,
  zero_byte: IMM.zero_byte,
  data_zero: IMM.data_zero,
  zero_zero: IMM.zero_zero,
};

export const SLOTS = 1024;

/** Dense slot of an opcode key, or -1 when it cannot be one of ours. */
export function slotOf(key: number): number {
  if (key < 0x100) return key;
  const prefix = key >>> 16;
  const sub = key & 0xffff;
  if (prefix === PREFIX_FC && sub < 256) return 256 + sub;
  if (prefix === PREFIX_FD && sub < 512) return 512 + sub;
  return -1;
}

export interface OpTable {
  info: (OpInfo | undefined)[];
  handler: Uint8Array;
  imm: Uint8Array;
  params: Uint8Array[];
  results: Uint8Array[];
  /** 1 when the signature is missing (a hand-typed instruction that reached GENERIC: never). */
  noSig: Uint8Array;
  /** Natural width in bytes of memory accesses, 0 otherwise; lane count of lane immediates. */
  width: Uint8Array;
  lanes: Uint8Array;
  /** Needs a memory (memarg, memory.size/grow/fill/copy). */
  memory: Uint8Array;
  simd: Uint8Array;
  float: Uint8Array;
  /** memory.copy, memory.fill or memory.init: a preceding i32.const is a length the profile caps. */
  bulkMem: Uint8Array;
}

function build(): OpTable {
  const t: OpTable = {
    info: new Array<OpInfo | undefined>(SLOTS).fill(undefined),
    handler: new Uint8Array(SLOTS),
    imm: new Uint8Array(SLOTS),
    params: new Array<Uint8Array>(SLOTS),
    results: new Array<Uint8Array>(SLOTS),
    noSig: new Uint8Array(SLOTS),
    width: new Uint8Array(SLOTS),
    lanes: new Uint8Array(SLOTS),
    memory: new Uint8Array(SLOTS),
    simd: new Uint8Array(SLOTS),
    float: new Uint8Array(SLOTS),
    bulkMem: new Uint8Array(SLOTS),
  };
  const none = new Uint8Array(0);
  t.params.fill(none);
  t.results.fill(none);
  for (const info of allOps()) {
    const s = slotOf(info.key);
    if (s < 0) continue;
    t.info[s] = info;
    t.handler[s] = HANDLER_BY_NAME[info.name] ?? H.GENERIC;
    t.imm[s] = IMM_OF[info.imm];
    if (info.sig !== undefined) {
      const sig = parseSig(info.sig);
      t.params[s] = codesOf(sig.params);
      t.results[s] = codesOf(sig.results);
    } else t.noSig[s] = 1;
    t.width[s] = info.width ?? 0;
    t.lanes[s] = info.lanes ?? 0;
    t.memory[s] =
      info.imm === 'memarg' ||
      info.imm === 'memarg_lane' ||
      info.imm === 'zero_byte' ||
      info.imm === 'zero_zero'
        ? 1
        : 0;
    t.simd[s] = info.feature === 'simd' || info.feature === 'relaxed_simd' ? 1 : 0;
    t.float[s] = info.float ? 1 : 0;
    t.bulkMem[s] =
      info.name === 'memory.copy' || info.name === 'memory.fill' || info.name === 'memory.init'
        ? 1
        : 0;
  }
  return t;
}

export const OPS: OpTable = build();
