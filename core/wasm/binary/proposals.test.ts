/** Proposals read from module binaries, through the decoder's own tables. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { watToWasm } from '../wat.js';
import { tryDecodeModule } from './decode.js';
import { allOps, laterOpcodes, opcodeRow } from './opcodes.js';
import {
  DATA_FORMS,
  ELEM_FORMS,
  EXTERN_KINDS,
  PINNED,
  SECTION_IDS,
  TYPE_CODES,
  type Proposal,
} from './proposal-table.js';
import { proposalsOf, proposalsUsed } from './proposals.js';
import { EXTERN_KIND_CODE, SECTION_ORDER, VALTYPE_BY_CODE } from './types.js';

const wasm = (text: string, features: Record<string, boolean> = {}) =>
  watToWasm(text, { validate: false, features });
const used = async (text: string, features: Record<string, boolean> = {}): Promise<Proposal[]> => {
  const d = tryDecodeModule(await wasm(text, features));
  if (!d.ok) throw d.error;
  return proposalsUsed(d.module);
};

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const leb = (n: number): number[] => {
  const out: number[] = [];
  do {
    const b = n & 0x7f;
    n >>>= 7;
    out.push(n ? b | 0x80 : b);
  } while (n);
  return out;
};
const section = (id: number, content: number[]): number[] => [
  id,
  ...leb(content.length),
  ...content,
];
/** A module with one function `() -> ()` whose body is `code` (then zero bytes, then `end`). */
function withBody(code: number[]): Uint8Array {
  const body = [0x00, ...code, ...new Array<number>(24).fill(0), 0x0b];
  return new Uint8Array([
    ...HEADER,
    ...section(1, [1, 0x60, 0, 0]),
    ...section(3, [1, 0]),
    ...section(10, [1, ...leb(body.length), ...body]),
  ]);
}
const opcodeBytes = (key: number): number[] =>
  key > 0xff ? [key >>> 16, ...leb(key & 0xffff)] : [key];
/** Does the decoder read this opcode (it does not stop on it as unknown or unsupported)? */
function decoderAccepts(key: number): boolean {
  const bytes = withBody(opcodeBytes(key));
  const d = tryDecodeModule(bytes);
  const at = bytes.length - 24 - 1 - opcodeBytes(key).length;
  return (
    d.ok ||
    !(['unknown_opcode', 'unsupported_feature'].includes(d.error.reason) && d.error.offset === at)
  );
}

describe('proposalsOf: proposals beyond the pinned set, from the bytes', () => {
  it('names each later proposal from a small binary module (wabt feature flags)', async () => {
    expect(
      proposalsOf(await wasm('(module (memory 1) (memory 1))', { multi_memory: true })),
    ).toEqual(['multi-memory']);
    expect(
      proposalsOf(
        await wasm('(module (memory (import "m" "a") 1) (memory 1))', { multi_memory: true }),
      ),
    ).toEqual(['multi-memory']);
    expect(
      proposalsOf(
        await wasm('(module (memory 1) (func (drop (i32.load8_u 0 (i32.const 0)))))', {
          multi_memory: true,
        }),
      ),
    ).toEqual([]);
    expect(proposalsOf(await wasm('(module (tag))', { exceptions: true }))).toEqual([
      'exception-handling',
    ]);
    expect(
      proposalsOf(await wasm('(module (func (throw 0)) (tag))', { exceptions: true })),
    ).toEqual(['exception-handling']);
    expect(
      proposalsOf(await wasm('(module (import "m" "t" (tag)))', { exceptions: true })),
    ).toEqual(['exception-handling']);
    expect(proposalsOf(await wasm('(module (func (return_call 0)))', { tail_call: true }))).toEqual(
      ['tail-call'],
    );
    expect(proposalsOf(await wasm('(module (memory i64 1))', { memory64: true }))).toEqual([
      'memory64',
    ]);
    expect(
      proposalsOf(
        await wasm('(module (func (drop (i32.atomic.load (i32.const 0)))) (memory 1 1 shared))', {
          threads: true,
        }),
      ),
    ).toEqual(['threads']);
    expect(proposalsOf(await wasm('(module (memory 1 1 shared))', { threads: true }))).toEqual([
      'threads',
    ]);
    expect(
      proposalsOf(
        await wasm('(module (global i32 (i32.add (i32.const 1) (i32.const 2))))', {
          extended_const: true,
        }),
      ),
    ).toEqual(['extended-const']);
  });
  it('names gc and typed function references from hand-built bytes (wabt 1.0.39 cannot write them)', () => {
    // type section: a struct type (0x5f) with no fields
    expect(proposalsOf(new Uint8Array([...HEADER, ...section(1, [1, 0x5f, 0])]))).toEqual(['gc']);
    // a function type taking (ref null 0)
    expect(
      proposalsOf(new Uint8Array([...HEADER, ...section(1, [1, 0x60, 1, 0x63, 0, 0])])),
    ).toEqual(['function-references']);
    expect(proposalsOf(withBody([0xd3]))).toEqual(['gc']);
    expect(proposalsOf(withBody([0x14, 0]))).toEqual(['function-references']);
  });
  it('names every later-proposal opcode of the table from a body that holds it', () => {
    for (const key of laterOpcodes())
      expect(proposalsOf(withBody(opcodeBytes(key))), `opcode 0x${key.toString(16)}`).toEqual([
        opcodeRow(key)!.proposal,
      ]);
  });
  it('names nothing for a module in the pinned set, or one that is merely broken', async () => {
    expect(
      proposalsOf(await wasm('(module (memory 1) (func (drop (i32.load (i32.const 0)))))')),
    ).toEqual([]);
    expect(
      proposalsOf(
        new Uint8Array([
          0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, 5, 1, 3, 0, 0xff,
          0x0b,
        ]),
      ),
    ).toEqual([]);
  });
});

describe('proposalsUsed: every proposal of a decoded module', () => {
  it('names each pinned proposal a module uses', async () => {
    expect(await used('(module)')).toEqual(['mvp']);
    expect(await used('(module (func (drop (i32.extend8_s (i32.const 1)))))')).toContain(
      'sign-extension',
    );
    expect(await used('(module (func (drop (i32.trunc_sat_f32_s (f32.const 1)))))')).toContain(
      'nontrapping-float-to-int',
    );
    expect(await used('(module (func (result i32 i32) (i32.const 1) (i32.const 2)))')).toContain(
      'multi-value',
    );
    expect(
      await used(
        '(module (memory 1) (func (memory.fill (i32.const 0) (i32.const 0) (i32.const 0))))',
      ),
    ).toContain('bulk-memory');
    expect(await used('(module (memory 1) (data "x") (func (data.drop 0)))')).toContain(
      'bulk-memory',
    );
    expect(await used('(module (table 1 externref))')).toContain('reference-types');
    expect(await used('(module (func (drop (v128.const i32x4 0 0 0 0))))')).toContain('simd');
    expect(
      await used(
        '(module (func (drop (i8x16.relaxed_swizzle (v128.const i32x4 0 0 0 0) (v128.const i32x4 0 0 0 0)))))',
        { relaxed_simd: true },
      ),
    ).toContain('relaxed-simd');
    expect(await used('(module (global (import "m" "g") (mut i32)))')).toContain('mutable-globals');
    expect(await used('(module (func (drop (i32.add (i32.const 1) (i32.const 2)))))')).toEqual([
      'mvp',
    ]);
  });
});

describe("the decoder's tables", () => {
  const KNOWN: ReadonlySet<string> = new Set<Proposal>([
    ...PINNED,
    'multi-memory',
    'memory64',
    'tail-call',
    'exception-handling',
    'extended-const',
    'threads',
    'function-references',
    'gc',
    'wide-arithmetic',
  ]);
  it('every opcode the decoder accepts has a proposal, and the table says exactly which it decodes (fast-check, seed 17)', () => {
    const key = fc.oneof(
      fc.integer({ min: 0, max: 0xff }).filter((b) => b !== 0xfc && b !== 0xfd), // 0xfc/0xfd are prefixes
      ...[0xfb, 0xfc, 0xfe].map((p) => fc.integer({ min: 0, max: 0x50 }).map((s) => (p << 16) | s)),
      fc.integer({ min: 0, max: 0x140 }).map((s) => (0xfd << 16) | s),
    );
    let accepted = 0;
    fc.assert(
      fc.property(key, (k) => {
        const row = opcodeRow(k);
        if (decoderAccepts(k)) {
          accepted++;
          return row !== undefined && row.decoded && KNOWN.has(row.proposal);
        }
        return row === undefined || !row.decoded;
      }),
      { seed: 17, numRuns: 2000 },
    );
    expect(accepted).toBeGreaterThan(500);
  });
  it('every row of the pinned opcode table is decoded and has a pinned proposal; every later row is refused', () => {
    for (const op of allOps()) {
      expect(decoderAccepts(op.key), op.name).toBe(true);
      expect(PINNED.has(opcodeRow(op.key)!.proposal), op.name).toBe(true);
    }
    for (const k of laterOpcodes()) expect(decoderAccepts(k), opcodeRow(k)!.name).toBe(false);
  });
  it('the decoded rows of the type, kind and section tables are the ones the decoder reads', () => {
    const decoded = (t: ReadonlyMap<number, { decoded: boolean }>) =>
      [...t]
        .filter(([, r]) => r.decoded)
        .map(([k]) => k)
        .sort((a, b) => a - b);
    expect(decoded(TYPE_CODES)).toEqual([...VALTYPE_BY_CODE.keys()].sort((a, b) => a - b));
    expect(decoded(EXTERN_KINDS)).toEqual(Object.values(EXTERN_KIND_CODE).sort((a, b) => a - b));
    expect(decoded(SECTION_IDS)).toEqual([0, ...SECTION_ORDER].sort((a, b) => a - b));
    expect(decoded(ELEM_FORMS)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(decoded(DATA_FORMS)).toEqual([0, 1, 2]);
  });
});
