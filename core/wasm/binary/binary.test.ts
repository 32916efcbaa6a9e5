import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { watToWasm } from '../wat.js';
import { v8Validate } from '../instrument/v8.js';
import { decodeModule, WasmDecodeError } from './decode.js';
import { encodeModule } from './encode.js';
import { opByName, opInfo, fd, fc as fcKey } from './opcodes.js';
import { scriptsOfSet, specCorpusForTests, specModules, type SpecModule } from './spec-corpus.js';
import type { WasmModule } from './types.js';

/** The module without byte offsets (which legitimately change when LEBs are re-encoded canonically). */
export function stripOffsets(m: WasmModule): unknown {
  return JSON.parse(
    JSON.stringify(m, (k, v) => {
      if (
        k === 'offset' ||
        k === 'contentOffset' ||
        k === 'bodyOffset' ||
        k === 'size' ||
        k === 'sections' ||
        k === 'typeOffsets' ||
        k === 'funcOffsets'
      )
        return undefined;
      if (typeof v === 'bigint') return `${v}n`;
      if (v instanceof Uint8Array) return Array.from(v);
      return v;
    }),
  );
}

function decodeOrMalformed(b: Uint8Array): 'ok' | 'malformed' {
  try {
    decodeModule(b);
    return 'ok';
  } catch (e) {
    if (e instanceof WasmDecodeError && e.code === 'WASM_MALFORMED' && Number.isInteger(e.offset))
      return 'malformed';
    throw e;
  }
}

describe('opcode table', () => {
  it('has the SIMD and prefixed opcodes at their spec numbers', () => {
    expect(opByName('f32x4.abs').key).toBe(fd(0xe0));
    expect(opByName('i32x4.trunc_sat_f32x4_s').key).toBe(fd(0xf8));
    expect(opByName('f64x2.convert_low_i32x4_u').key).toBe(fd(0xff));
    expect(opByName('i16x8.avgr_u').key).toBe(fd(0x9b));
    expect(opByName('i32x4.dot_i16x8_s').key).toBe(fd(0xba));
    expect(opByName('i64x2.eq').key).toBe(fd(0xd6));
    expect(opByName('v128.load64_zero').key).toBe(fd(0x5d));
    expect(opByName('i32x4.relaxed_dot_i8x16_i7x16_add_s').key).toBe(fd(0x113));
    expect(opByName('table.fill').key).toBe(fcKey(17));
    expect(opByName('i64.extend32_s').key).toBe(0xc4);
    expect(opInfo(0xd3)).toBeUndefined();
  });
  it('marks NaN-producing float ops and leaves bitwise ones alone', () => {
    for (const n of [
      'f32.add',
      'f64.sqrt',
      'f32.min',
      'f64.nearest',
      'f32.demote_f64',
      'f64.promote_f32',
    ])
      expect(opByName(n).nan, n).toBeDefined();
    for (const n of [
      'f32.neg',
      'f64.abs',
      'f32.copysign',
      'f32.reinterpret_i32',
      'f64.load',
      'f32.const',
      'f64.convert_i64_s',
    ])
      expect(opByName(n).nan, n).toBeUndefined();
    expect(opByName('i32.trunc_f32_s').float).toBe(true);
    expect(opByName('i32.add').float).toBe(false);
  });
});

describe('decoder', () => {
  it('decodes sections and instructions with their byte offsets', async () => {
    const b = await watToWasm(
      '(module (memory 1) (func (export "f") (param i32) (result i32) local.get 0 i32.const -5 i32.add i32.load offset=8))',
    );
    const m = decodeModule(b);
    expect(m.types).toEqual([{ params: ['i32'], results: ['i32'] }]);
    expect(m.exports.map((e) => [e.name, e.kind, e.index])).toEqual([['f', 'func', 0]]);
    const body = m.codes[0]!.body;
    expect(body.map((i) => opInfo(i.op)!.name)).toEqual([
      'local.get',
      'i32.const',
      'i32.add',
      'i32.load',
    ]);
    for (const ins of body) expect(b[ins.offset]).toBe(ins.op);
    expect(body[1]!.value).toBe(-5);
    expect(body[3]!.memOffset).toBe(8);
    for (const s of m.sections) expect(b[s.offset]).toBe(s.id);
  });

  it('keeps float constant bits exactly (NaN payloads, negative zero)', async () => {
    const b = await watToWasm(
      '(module (func (result f32 f64) f32.const nan:0x200001 f64.const -0))',
    );
    const body = decodeModule(b).codes[0]!.body;
    expect(body[0]!.value).toBe(0x7fa00001);
    expect(body[1]!.value).toBe(0x8000000000000000n);
  });

  it('reports malformed input with an offset and a stable reason', () => {
    const cases: [number[], string, number][] = [
      [[0, 0x61, 0x73], 'magic_header_not_detected', 0],
      [[0, 0x61, 0x73, 0x6d, 2, 0, 0, 0], 'unknown_binary_version', 4],
      [[0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60], 'unexpected_end', 8],
      [
        [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0],
        'integer_representation_too_long',
        9,
      ],
      [[0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0x0e, 0], 'malformed_section_id', 8],
      // type, func, code with opcode 0xff
      [
        [
          0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, 5, 1, 3, 0, 0xff,
          0x0b,
        ],
        'unknown_opcode',
        23,
      ],
      // atomics are named as outside the feature set
      [
        [
          0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, 6, 1, 4, 0, 0xfe,
          0x03, 0x0b,
        ],
        'unsupported_feature',
        23,
      ],
      // function section without code section
      [
        [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0],
        'function_and_code_section_have_inconsistent_lengths',
        18,
      ],
    ];
    for (const [bytes, reason, offset] of cases) {
      let err: unknown;
      try {
        decodeModule(new Uint8Array(bytes));
      } catch (e) {
        err = e;
      }
      expect(err, reason).toBeInstanceOf(WasmDecodeError);
      expect((err as WasmDecodeError).reason, reason).toBe(reason);
      expect((err as WasmDecodeError).offset, reason).toBe(offset);
    }
  });

  it('never throws anything but WasmDecodeError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (tail, header) => {
        const b = header ? new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...tail]) : tail;
        decodeOrMalformed(b);
      }),
      { numRuns: 3000 },
    );
  });
});

const corpus = specCorpusForTests();
describe.skipIf(corpus === undefined)('decoder on the spec test modules', () => {
  const compiled: { m: SpecModule; bytes: Uint8Array }[] = [];
  beforeAll(async () => {
    for (const m of specModules(scriptsOfSet(corpus!, 'core'))) {
      if (m.kind === 'binary') compiled.push({ m, bytes: m.bytes! });
      else {
        try {
          const text = m.kind === 'quote' ? `(module ${m.text})` : m.text!;
          compiled.push({ m, bytes: await watToWasm(text, { validate: false }) });
        } catch {
          // outside the text parser's feature set (extended const, multi-memory, module definition): not ours to judge
        }
      }
    }
  });

  it('decodes every valid module, and round-trips it: decode(encode(decode(x))) = decode(x)', () => {
    let n = 0;
    for (const { m, bytes } of compiled) {
      if (
        m.role !== 'module' &&
        m.role !== 'assert_trap' &&
        m.role !== 'assert_unlinkable' &&
        m.role !== 'assert_invalid'
      )
        continue;
      let d: WasmModule;
      try {
        d = decodeModule(bytes);
      } catch (e) {
        if (m.role === 'assert_invalid') continue;
        throw new Error(`${m.file}:${m.line}: ${(e as Error).message}`);
      }
      const e1 = encodeModule(d);
      const d2 = decodeModule(e1);
      expect(stripOffsets(d2), `${m.file}:${m.line}`).toEqual(stripOffsets(d));
      expect(encodeModule(d2)).toEqual(e1);
      if (m.role === 'module' && v8Validate(bytes))
        expect(v8Validate(e1), `${m.file}:${m.line}`).toBe(true);
      n++;
    }
    expect(n).toBeGreaterThan(1500);
  });

  it('rejects the binary assert_malformed modules that are malformed at the binary level', () => {
    let rejected = 0;
    for (const { m, bytes } of compiled)
      if (m.role === 'assert_malformed' && m.kind === 'binary')
        if (decodeOrMalformed(bytes) === 'malformed') rejected++;
    // the rest are rejected by the validator (checked in validate tests)
    expect(rejected).toBeGreaterThanOrEqual(60);
  });

  it('never crashes on mutated spec modules', () => {
    const valid = compiled.filter((c) => c.m.role === 'module').map((c) => c.bytes);
    fc.assert(
      fc.property(
        fc.nat(valid.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.nat(),
        (i, muts, cut) => {
          const b = valid[i]!.slice();
          for (const [pos, v] of muts) b[pos % b.length] = v;
          decodeOrMalformed(b);
          decodeOrMalformed(b.subarray(0, cut % (b.length + 1)));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
