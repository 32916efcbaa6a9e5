/**
 * Runtime objects of the reference interpreter (the spec's store): function, table, memory and
 * global instances, and module instances that point at them. Values use numeric.ts's
 * representation; references are a FuncInst, an ExternRef or null.
 */
import type { FuncType, ValType } from '../binary/types.js';
import type { Compiled } from './compile.js';

export type Val = number | bigint | FuncInst | ExternRef | null;

export interface ExternRef {
  readonly extern: bigint;
}

export interface HostFunc {
  (args: Val[]): Val[];
}

export interface FuncInst {
  readonly type: FuncType;
  /** params>results, for call_indirect's structural type check. */
  readonly typeKey: string;
  /** Wasm function: its instance and index; host function: `host`. */
  readonly inst?: Instance;
  readonly index?: number;
  /** Compiled lazily on first call. */
  code?: Compiled;
  readonly host?: HostFunc;
  readonly name?: string;
  /** The JS tier's translation (jit.ts) and the machine it was made for. */
  js?: (...args: Val[]) => unknown;
  jsOwner?: object;
}

export interface TableInst {
  elem: ValType;
  elems: Val[];
  /** Elements this table may grow to (declared maximum capped by the profile). */
  max: number;
  /** The declared maximum (import matching uses it). */
  declaredMax?: number;
}

export const PAGE = 65536;

export interface MemInst {
  bytes: Uint8Array;
  view: DataView;
  /** Pages this memory may grow to (declared maximum capped by the profile). */
  maxPages: number;
  declaredMax?: number;
  /** maxPages is the profile's cap, below the declared maximum (or none): a refusal there is reported. */
  profileCapped?: boolean;
  /** Set when a memory.grow was refused by the profile's cap (a diagnostic for the result's `limits`). */
  capRefused?: boolean;
}

export interface GlobalInst {
  type: ValType;
  mutable: boolean;
  value: Val;
}

export interface Instance {
  /** typeKey of each type index (call_indirect compares these). */
  typeKeys: string[];
  funcs: FuncInst[];
  tables: TableInst[];
  mems: MemInst[];
  globals: GlobalInst[];
  /** Passive data segments (null once dropped). */
  datas: (Uint8Array | null)[];
  /** Element segments as reference lists (null once dropped). */
  elems: (Val[] | null)[];
  exports: Map<
    string,
    {
      kind: 'func' | 'table' | 'memory' | 'global';
      value: FuncInst | TableInst | MemInst | GlobalInst;
    }
  >;
}

export function typeKey(t: FuncType): string {
  return `${t.params.join(',')}>${t.results.join(',')}`;
}

export function defaultValue(t: ValType): Val {
  switch (t) {
    case 'i32':
    case 'f32':
      return 0;
    case 'i64':
    case 'f64':
      return 0n;
    default:
      return null;
  }
}

export function newMemory(pages: number, maxPages: number): MemInst {
  const bytes = new Uint8Array(pages * PAGE);
  return { bytes, view: new DataView(bytes.buffer), maxPages };
}

/**
 * memory.grow: old size in pages, or -1 when the result would pass the maximum. The bytes are a
 * view of exactly the memory's size over a buffer that grows by doubling (up to the maximum), so a
 * program growing page by page copies O(final size) bytes in all, not O(size²): the bytes past the
 * view were never written and are zero, as new pages must be.
 */
export function growMemory(m: MemInst, delta: number): number {
  const old = m.bytes.length / PAGE;
  if (delta === 0) return old;
  if (old + delta > m.maxPages) {
    if (m.profileCapped) m.capRefused = true;
    return -1;
  }
  const size = (old + delta) * PAGE;
  let buf = m.bytes.buffer as ArrayBuffer;
  if (size > buf.byteLength) {
    const bigger = new Uint8Array(Math.min(Math.max(size, buf.byteLength * 2), m.maxPages * PAGE));
    bigger.set(m.bytes);
    buf = bigger.buffer;
  }
  m.bytes = new Uint8Array(buf, 0, size);
  m.view = new DataView(buf, 0, size);
  return old;
}

export function growTable(t: TableInst, delta: number, init: Val): number {
  const old = t.elems.length;
  if (old + delta > t.max) return -1;
  for (let i = 0; i < delta; i++) t.elems.push(init);
  return old;
}
