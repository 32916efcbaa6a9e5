/**
 * TEMPORARY ADAPTER (wasm-exec): reads export signatures straight from module bytes until
 * wasm-core's decoder (core/wasm/binary/) lands; then this file is deleted and the executor uses
 * the decoder. It understands only what it needs: type, import, function, global and export
 * sections of MVP + multi-value + reference types + SIMD modules.
 */
import { IcnError } from '../../errors.js';
import type { ValType } from './values.js';

export interface FuncSig {
  params: ValType[];
  results: ValType[];
}

export type ExportInfo =
  | { name: string; kind: 'func'; sig: FuncSig }
  | { name: string; kind: 'global'; type: ValType; mutable: boolean }
  | { name: string; kind: 'memory' | 'table' | 'tag' };

const VALTYPE: Record<number, ValType> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };

class Reader {
  pos = 0;
  constructor(readonly b: Uint8Array, readonly end = b.length) {}
  byte(): number {
    if (this.pos >= this.end) throw new IcnError('WASM_DECODE', `unexpected end at byte ${this.pos}`);
    return this.b[this.pos++]!;
  }
  u32(): number {
    let r = 0;
    let shift = 0;
    for (;;) {
      const x = this.byte();
      r += (x & 0x7f) * 2 ** shift;
      if ((x & 0x80) === 0) return r;
      shift += 7;
      if (shift > 35) throw new IcnError('WASM_DECODE', `bad LEB128 at byte ${this.pos}`);
    }
  }
  valtype(): ValType {
    const x = this.byte();
    const t = VALTYPE[x];
    if (!t) throw new IcnError('WASM_DECODE', `unknown value type 0x${x.toString(16)} at byte ${this.pos - 1}`);
    return t;
  }
  name(): string {
    const n = this.u32();
    const s = new TextDecoder('utf-8', { fatal: true }).decode(this.b.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
  limits(): void {
    const flags = this.byte();
    this.u32();
    if (flags & 1) this.u32();
  }
}

/** Export names, kinds and (for functions and globals) types, in export-section order. */
export function readExports(bytes: Uint8Array): ExportInfo[] {
  const r = new Reader(bytes);
  r.pos = 8;
  const types: FuncSig[] = [];
  const funcs: number[] = [];
  const globals: { type: ValType; mutable: boolean }[] = [];
  const out: ExportInfo[] = [];
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.pos + size;
    const s = new Reader(bytes, end);
    s.pos = r.pos;
    if (id === 1) {
      for (let n = s.u32(); n > 0; n--) {
        if (s.byte() !== 0x60) throw new IcnError('WASM_DECODE', 'unsupported type form');
        const params: ValType[] = [];
        const results: ValType[] = [];
        for (let k = s.u32(); k > 0; k--) params.push(s.valtype());
        for (let k = s.u32(); k > 0; k--) results.push(s.valtype());
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = s.u32(); n > 0; n--) {
        s.name();
        s.name();
        const kind = s.byte();
        if (kind === 0) funcs.push(s.u32());
        else if (kind === 1) {
          s.valtype();
          s.limits();
        } else if (kind === 2) s.limits();
        else if (kind === 3) globals.push({ type: s.valtype(), mutable: s.byte() === 1 });
        else if (kind === 4) {
          s.byte();
          s.u32();
        } else throw new IcnError('WASM_DECODE', `unknown import kind ${kind}`);
      }
    } else if (id === 3) {
      for (let n = s.u32(); n > 0; n--) funcs.push(s.u32());
    } else if (id === 6) {
      for (let n = s.u32(); n > 0; n--) {
        globals.push({ type: s.valtype(), mutable: s.byte() === 1 });
        // skip the constant expression up to its `end` (0x0b); operands never contain a bare 0x0b
        // at an opcode position in the constant instructions we meet, but walk them properly:
        skipConstExpr(s);
      }
    } else if (id === 7) {
      for (let n = s.u32(); n > 0; n--) {
        const name = s.name();
        const kind = s.byte();
        const idx = s.u32();
        if (kind === 0) {
          const t = types[funcs[idx] ?? -1];
          if (!t) throw new IcnError('WASM_DECODE', `export ${name}: bad function index ${idx}`);
          out.push({ name, kind: 'func', sig: t });
        } else if (kind === 3) {
          const g = globals[idx];
          if (!g) throw new IcnError('WASM_DECODE', `export ${name}: bad global index ${idx}`);
          out.push({ name, kind: 'global', ...g });
        } else out.push({ name, kind: kind === 1 ? 'table' : kind === 2 ? 'memory' : 'tag' });
      }
    }
    r.pos = end;
  }
  return out;
}

function skipConstExpr(s: Reader): void {
  for (;;) {
    const op = s.byte();
    if (op === 0x0b) return;
    if (op === 0x41 || op === 0x42) sleb(s);
    else if (op === 0x43) s.pos += 4;
    else if (op === 0x44) s.pos += 8;
    else if (op === 0x23 || op === 0xd2) s.u32();
    else if (op === 0xd0) s.byte();
    else if (op === 0xfd) {
      s.u32();
      s.pos += 16;
    } else if (op === 0x6a || op === 0x6b || op === 0x6c || op === 0x7c || op === 0x7d || op === 0x7e) {
      // extended-const arithmetic: no immediates
    } else throw new IcnError('WASM_DECODE', `unsupported constant instruction 0x${op.toString(16)}`);
  }
}

function sleb(s: Reader): void {
  while (s.byte() & 0x80);
}
