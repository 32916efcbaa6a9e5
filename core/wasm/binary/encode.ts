/**
 * The binary encoder: WasmModule → bytes, canonical LEB128 (shortest form), sections in the
 * standard order, custom sections kept in place (after the section they followed). Offsets in the
 * input module are ignored. decode(encode(decode(x))) equals decode(x) up to offsets.
 */
import { opInfo, PREFIX_FC, PREFIX_FD } from './opcodes.js';
import {
  EXTERN_KIND_CODE,
  SECTION_ORDER,
  VALTYPE_CODE,
  type BlockType,
  type Expr,
  type Instr,
  type Limits,
  type TableType,
  type ValType,
  type WasmModule,
  type GlobalType,
} from './types.js';

export class Writer {
  private buf = new Uint8Array(256);
  len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }

  byte(b: number): this {
    this.ensure(1);
    this.buf[this.len++] = b & 0xff;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff)
      throw new RangeError(`u32 out of range: ${v}`);
    do {
      let b = v % 128;
      v = Math.floor(v / 128);
      if (v !== 0) b |= 0x80;
      this.byte(b);
    } while (v !== 0);
    return this;
  }

  sleb(v: bigint): this {
    for (;;) {
      const b = Number(v & 0x7fn);
      v >>= 7n;
      const done = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0);
      this.byte(done ? b : b | 0x80);
      if (done) return this;
    }
  }

  u32le(v: number): this {
    return this.byte(v)
      .byte(v >>> 8)
      .byte(v >>> 16)
      .byte(v >>> 24);
  }

  u64le(v: bigint): this {
    const u = BigInt.asUintN(64, v);
    this.u32le(Number(u & 0xffff_ffffn));
    return this.u32le(Number(u >> 32n));
  }

  name(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.u32(b.length).bytes(b);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function valType(w: Writer, t: ValType): void {
  w.byte(VALTYPE_CODE[t]);
}

function limits(w: Writer, l: Limits): void {
  w.byte((l.max !== undefined ? 1 : 0) | (l.shared ? 2 : 0));
  w.u32(l.min);
  if (l.max !== undefined) w.u32(l.max);
}

function tableType(w: Writer, t: TableType): void {
  valType(w, t.elem);
  limits(w, t.limits);
}

function globalType(w: Writer, g: GlobalType): void {
  valType(w, g.type);
  w.byte(g.mutable ? 1 : 0);
}

function blockType(w: Writer, bt: BlockType): void {
  if (bt.kind === 'empty') w.byte(0x40);
  else if (bt.kind === 'val') valType(w, bt.type);
  else w.sleb(BigInt(bt.index));
}

export function encodeInstr(w: Writer, ins: Instr): void {
  const info = opInfo(ins.op);
  if (info === undefined) throw new RangeError(`cannot encode unknown opcode ${ins.op}`);
  if (ins.op > 0xff) {
    const prefix = ins.op >>> 16;
    if (prefix !== PREFIX_FC && prefix !== PREFIX_FD) throw new RangeError(`bad prefix ${prefix}`);
    w.byte(prefix).u32(ins.op & 0xffff);
  } else w.byte(ins.op);
  const idx = (): number => ins.idx ?? 0;
  switch (info.imm) {
    case 'none':
      break;
    case 'blocktype':
      blockType(w, ins.bt ?? { kind: 'empty' });
      break;
    case 'label':
    case 'func':
    case 'local':
    case 'global':
    case 'table':
    case 'data':
    case 'elem':
      w.u32(idx());
      break;
    case 'br_table':
      w.u32(ins.labels?.length ?? 0);
      for (const l of ins.labels ?? []) w.u32(l);
      w.u32(idx());
      break;
    case 'call_indirect':
    case 'elem_table':
    case 'table_table':
      w.u32(idx()).u32(ins.idx2 ?? 0);
      break;
    case 'memarg':
    case 'memarg_lane':
      w.u32(ins.align ?? 0);
      if ((ins.align ?? 0) & 64) w.u32(ins.idx2 ?? 0);
      w.u32(ins.memOffset ?? 0);
      if (info.imm === 'memarg_lane') w.byte(ins.lane ?? 0);
      break;
    case 'i32':
      w.sleb(BigInt(ins.value ?? 0));
      break;
    case 'i64':
      w.sleb(BigInt(ins.value ?? 0));
      break;
    case 'f32':
      w.u32le(Number(ins.value ?? 0));
      break;
    case 'f64':
      w.u64le(BigInt(ins.value ?? 0));
      break;
    case 'v128':
    case 'shuffle':
      w.bytes(ins.bytes ?? new Uint8Array(16));
      break;
    case 'lane':
      w.byte(ins.lane ?? 0);
      break;
    case 'reftype':
      valType(w, ins.refType ?? 'funcref');
      break;
    case 'select_t':
      w.u32(ins.types?.length ?? 0);
      for (const t of ins.types ?? []) valType(w, t);
      break;
    case 'zero_byte':
      w.byte(0);
      break;
    case 'data_zero':
      w.u32(idx()).byte(0);
      break;
    case 'zero_zero':
      w.byte(0).byte(0);
      break;
  }
}

/** Encode an instruction sequence followed by its closing `end`. */
export function encodeExpr(w: Writer, e: Expr): void {
  for (const ins of e) encodeInstr(w, ins);
  w.byte(0x0b);
}

function section(out: Writer, id: number, body: (w: Writer) => void): void {
  const w = new Writer();
  body(w);
  const b = w.finish();
  out.byte(id).u32(b.length).bytes(b);
}

function typeSection(w: Writer, m: WasmModule): void {
  w.u32(m.types.length);
  for (const t of m.types) {
    w.byte(0x60).u32(t.params.length);
    t.params.forEach((p) => valType(w, p));
    w.u32(t.results.length);
    t.results.forEach((p) => valType(w, p));
  }
}

function importSection(w: Writer, m: WasmModule): void {
  w.u32(m.imports.length);
  for (const im of m.imports) {
    w.name(im.module).name(im.name);
    const d = im.desc;
    if (d.kind === 'func') w.byte(0).u32(d.typeIndex);
    else if (d.kind === 'table') {
      w.byte(1);
      tableType(w, d.table);
    } else if (d.kind === 'memory') {
      w.byte(2);
      limits(w, d.memory.limits);
    } else {
      w.byte(3);
      globalType(w, d.global);
    }
  }
}

function elemSection(w: Writer, m: WasmModule): void {
  w.u32(m.elems.length);
  for (const s of m.elems) {
    w.u32(s.flags);
    const passiveOrDecl = (s.flags & 1) !== 0;
    const explicitTable = (s.flags & 2) !== 0;
    const usesExprs = (s.flags & 4) !== 0;
    if (!passiveOrDecl) {
      if (explicitTable) w.u32(s.table);
      encodeExpr(w, s.offsetExpr ?? []);
    }
    if (passiveOrDecl || explicitTable) {
      if (usesExprs) valType(w, s.type);
      else w.byte(0);
    }
    if (usesExprs) {
      w.u32(s.exprs?.length ?? 0);
      for (const e of s.exprs ?? []) encodeExpr(w, e);
    } else {
      w.u32(s.funcs?.length ?? 0);
      for (const f of s.funcs ?? []) w.u32(f);
    }
  }
}

function codeSection(w: Writer, m: WasmModule): void {
  w.u32(m.codes.length);
  for (const c of m.codes) {
    const b = new Writer();
    b.u32(c.locals.length);
    for (const l of c.locals) {
      b.u32(l.count);
      valType(b, l.type);
    }
    encodeExpr(b, c.body);
    const bytes = b.finish();
    w.u32(bytes.length).bytes(bytes);
  }
}

function dataSection(w: Writer, m: WasmModule): void {
  w.u32(m.datas.length);
  for (const d of m.datas) {
    w.u32(d.flags);
    if (d.flags === 2) w.u32(d.memory);
    if (d.flags !== 1) encodeExpr(w, d.offsetExpr ?? []);
    w.u32(d.bytes.length).bytes(d.bytes);
  }
}

/**
 * Each section's writer and whether it is emitted: when it has entries, or when the input had it
 * (`present`: an empty section is kept so decode(encode(m)) has the same sections).
 */
const SECTION_WRITERS: Readonly<
  Record<
    number,
    {
      emit: (m: WasmModule, present: Set<number>) => boolean;
      write: (w: Writer, m: WasmModule) => void;
    }
  >
> = {
  1: { emit: (m, p) => m.types.length > 0 || p.has(1), write: typeSection },
  2: { emit: (m, p) => m.imports.length > 0 || p.has(2), write: importSection },
  3: {
    emit: (m, p) => m.funcs.length > 0 || p.has(3),
    write: (w, m) => {
      w.u32(m.funcs.length);
      m.funcs.forEach((f) => w.u32(f));
    },
  },
  4: {
    emit: (m, p) => m.tables.length > 0 || p.has(4),
    write: (w, m) => {
      w.u32(m.tables.length);
      m.tables.forEach((t) => tableType(w, t.type));
    },
  },
  5: {
    emit: (m, p) => m.memories.length > 0 || p.has(5),
    write: (w, m) => {
      w.u32(m.memories.length);
      m.memories.forEach((mm) => limits(w, mm.type.limits));
    },
  },
  6: {
    emit: (m, p) => m.globals.length > 0 || p.has(6),
    write: (w, m) => {
      w.u32(m.globals.length);
      for (const g of m.globals) {
        globalType(w, g.type);
        encodeExpr(w, g.init);
      }
    },
  },
  7: {
    emit: (m, p) => m.exports.length > 0 || p.has(7),
    write: (w, m) => {
      w.u32(m.exports.length);
      for (const e of m.exports) w.name(e.name).byte(EXTERN_KIND_CODE[e.kind]).u32(e.index);
    },
  },
  8: { emit: (m) => m.start !== undefined, write: (w, m) => w.u32(m.start!.func) },
  9: { emit: (m, p) => m.elems.length > 0 || p.has(9), write: elemSection },
  12: { emit: (m) => m.dataCount !== undefined, write: (w, m) => w.u32(m.dataCount!) },
  10: { emit: (m, p) => m.codes.length > 0 || p.has(10), write: codeSection },
  11: { emit: (m, p) => m.datas.length > 0 || p.has(11), write: dataSection },
};

export function encodeModule(m: WasmModule): Uint8Array {
  const out = new Writer();
  out.bytes(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
  const customsAfter = (id: number): void => {
    for (const c of m.customs)
      if (c.after === id) section(out, 0, (w) => w.name(c.name).bytes(c.bytes));
  };
  customsAfter(0);
  const present = new Set(m.sections.map((s) => s.id));
  for (const id of SECTION_ORDER) {
    const s = SECTION_WRITERS[id]!;
    if (s.emit(m, present)) section(out, id, (w) => s.write(w, m));
    customsAfter(id);
  }
  return out.finish();
}
