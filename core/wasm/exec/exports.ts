/** Export names, kinds and types of a module, read with wasm-core's decoder (core/wasm/binary). */
import { decodeModule } from '../binary/decode.js';
import type { ValType } from './values.js';

export interface FuncSig {
  params: ValType[];
  results: ValType[];
}

export type ExportInfo =
  | { name: string; kind: 'func'; sig: FuncSig }
  | { name: string; kind: 'global'; type: ValType; mutable: boolean }
  | { name: string; kind: 'memory' | 'table' };

/**
 * Throws WasmDecodeError (IcnError) when the bytes are not a module our decoder accepts.
 * `bodies: false` does not read function bodies (their code does not change an export's shape): for
 * the .wast runner's raw engine, which runs modules V8 compiles and whose code our pinned decoder
 * may not read (memory.fill of memory 1 on a V8 with multi-memory). The executor reads them all.
 */
export function readExports(bytes: Uint8Array, opts: { bodies?: boolean } = {}): ExportInfo[] {
  const m = decodeModule(bytes, opts);
  const funcTypes: number[] = [];
  const globals: { type: ValType; mutable: boolean }[] = [];
  for (const im of m.imports) {
    if (im.desc.kind === 'func') funcTypes.push(im.desc.typeIndex);
    else if (im.desc.kind === 'global') globals.push(im.desc.global);
  }
  funcTypes.push(...m.funcs);
  globals.push(...m.globals.map((g) => g.type));
  return m.exports.map((e): ExportInfo => {
    if (e.kind === 'func') {
      const t = m.types[funcTypes[e.index]!]!;
      return {
        name: e.name,
        kind: 'func',
        sig: { params: [...t.params], results: [...t.results] },
      };
    }
    if (e.kind === 'global') return { name: e.name, kind: 'global', ...globals[e.index]! };
    return { name: e.name, kind: e.kind };
  });
}
