/**
 * V8's implementation limits (src/wasm/wasm-limits.h, measured on Node 20's V8 at limit and limit
 * + 1), adopted by every profile: a module V8 refuses must be refused by us too, or it would run
 * on the interpreter only (the dc/raw engines compile with V8). The counts are per section
 * (imported entries do not count), as V8 checks them. String lengths, table sizes and control
 * nesting have no V8 limit at validation; the 1 GiB module size is left to the caller's input cap.
 */
import { unreadDatas } from '../binary/decode.js';
import type { WasmModule } from '../binary/types.js';
import type { Violation } from './validate.js';

export const V8_LIMITS = Object.freeze({
  types: 1_000_000,
  functions: 1_000_000,
  imports: 100_000,
  exports: 100_000,
  globals: 1_000_000,
  dataSegments: 100_000,
  tables: 100_000,
  elemSegments: 10_000_000,
  elemEntries: 10_000_000,
  params: 1_000,
  results: 1_000,
  /** Params plus declared locals of one function. */
  locals: 50_000,
  /** Bytes of one function body (after its size field). */
  functionSize: 7_654_321,
  /** br_table's label vector (the default label not counted). */
  brTableLabels: 65_520,
});

export type V8Limits = Readonly<Record<keyof typeof V8_LIMITS, number>>;

const over = (what: string, n: number, limit: number): string =>
  `${what}: ${n} exceeds V8's implementation limit of ${limit}`;

/** Section entry counts (data segments counted without decoding them). */
function checkCounts(m: WasmModule, out: Violation[], L: V8Limits): void {
  const at = (id: number): number => m.sections.find((s) => s.id === id)?.offset ?? 0;
  const datas = unreadDatas(m)?.count ?? m.datas.length;
  const counts: [string, number, number, number][] = [
    ['types', m.types.length, L.types, 1],
    ['imports', m.imports.length, L.imports, 2],
    ['functions', m.funcs.length, L.functions, 3],
    ['tables', m.tables.length, L.tables, 4],
    ['globals', m.globals.length, L.globals, 6],
    ['exports', m.exports.length, L.exports, 7],
    ['element segments', m.elems.length, L.elemSegments, 9],
    ['data segments', datas, L.dataSegments, 11],
    ['data count', m.dataCount ?? 0, L.dataSegments, 12],
  ];
  for (const [what, n, limit, id] of counts) {
    if (n > limit)
      out.push({ code: 'implementation_limit', offset: at(id), detail: over(what, n, limit) });
  }
}

/** Per entry: a type's arities, an element segment's length, a body's byte size. */
function checkEntries(m: WasmModule, out: Violation[], importedFuncs: number, L: V8Limits): void {
  m.types.forEach((t, i) => {
    const off = m.typeOffsets?.[i] ?? 0;
    if (t.params.length > L.params)
      out.push({
        code: 'implementation_limit',
        offset: off,
        detail: over(`type ${i} parameters`, t.params.length, L.params),
      });
    if (t.results.length > L.results)
      out.push({
        code: 'implementation_limit',
        offset: off,
        detail: over(`type ${i} results`, t.results.length, L.results),
      });
  });
  m.elems.forEach((e, i) => {
    const n = (e.funcs ?? e.exprs ?? []).length;
    if (n > L.elemEntries)
      out.push({
        code: 'implementation_limit',
        offset: e.offset,
        detail: over(`element segment ${i} entries`, n, L.elemEntries),
      });
  });
  m.codes.forEach((c, i) => {
    const fn = importedFuncs + i;
    if (c.size > L.functionSize)
      out.push({
        code: 'implementation_limit',
        offset: c.offset,
        function: fn,
        detail: over(`function ${fn} body bytes`, c.size, L.functionSize),
      });
  });
}

/** Every module-level V8 limit (locals and br_table are checked with the bodies). */
export function checkV8Limits(m: WasmModule, out: Violation[], L: V8Limits = V8_LIMITS): void {
  checkCounts(m, out, L);
  checkEntries(m, out, m.imports.filter((im) => im.desc.kind === 'func').length, L);
}
