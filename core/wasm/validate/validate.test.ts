import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  scriptsOfSet,
  specCorpusForTests,
  specModules,
  type SpecModule,
} from '../binary/spec-corpus.js';
import { watToWasm } from '../wat.js';
import { v8Validate } from '../instrument/v8.js';
import { decodeModule, unreadBody, unreadDatas } from '../binary/decode.js';
import {
  validateDetailed,
  validateEager,
  validateModule,
  type DetailedValidation,
  type Violation,
} from './validate.js';

async function check(wat: string, profile: 'raw' | 'dc' | 'dc-float'): Promise<Violation[]> {
  return validateModule(await watToWasm(wat, { validate: false }), profile).violations;
}
const codes = (vs: Violation[]): string[] => vs.map((v) => v.code);

describe('validator: spec typing', () => {
  it('accepts a valid module under every profile', async () => {
    const wat =
      '(module (memory 1) (func (export "f") (param i32) (result i32) (block (result i32) local.get 0 i32.const 1 i32.add)))';
    for (const p of ['raw', 'dc', 'dc-float'] as const) expect(await check(wat, p), p).toEqual([]);
  });

  it('reports type errors with the offending instruction offset and function index', async () => {
    const b = await watToWasm(
      '(module (func) (func (result i32) i32.const 1 i64.const 2 i32.add))',
      { validate: false },
    );
    const { violations } = validateModule(b, 'raw');
    expect(violations).toHaveLength(1);
    const v = violations[0]!;
    expect(v.code).toBe('type_mismatch');
    expect(v.function).toBe(1);
    expect(b[v.offset]).toBe(0x6a); // i32.add
  });

  it('returns every violation, not only the first', async () => {
    const vs = await check(
      `(module
      (import "env" "g" (func))
      (memory 3000)
      (func (export "__icn_x") (result f32) f32.const 1)
      (func (result i32) i64.const 1)
      (func (result i32) local.get 5))`,
      'dc',
    );
    expect(codes(vs)).toEqual(
      expect.arrayContaining([
        'profile_import',
        'profile_memory_limit',
        'profile_reserved_name',
        'profile_float',
        'type_mismatch',
        'unknown_local',
      ]),
    );
    expect(vs.filter((v) => v.code === 'type_mismatch')[0]!.function).toBe(2);
  });

  it('reports malformed bytes as one violation with the decoder reason', () => {
    const r = validateModule(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0x0e, 0]), 'dc');
    expect(r.ok).toBe(false);
    expect(r.violations).toEqual([
      expect.objectContaining({ code: 'malformed:malformed_section_id', offset: 8 }),
    ]);
  });
});

describe('validator: profile rules', () => {
  const cases: [string, string, ('dc' | 'dc-float')[]][] = [
    ['profile_float', '(module (func (param f64)))', ['dc']],
    [
      'profile_float',
      '(module (func (result i32) i32.const 0 f32.convert_i32_s i32.trunc_f32_s))',
      ['dc'],
    ],
    [
      'profile_float',
      '(module (memory 1) (func (result i64) i32.const 0 i64.load drop i32.const 0 f64.load i64.reinterpret_f64))',
      ['dc'],
    ],
    [
      'profile_simd',
      '(module (func (result i32) v128.const i32x4 1 2 3 4 i32x4.extract_lane 0))',
      ['dc', 'dc-float'],
    ],
    ['profile_simd', '(module (func (local v128)))', ['dc', 'dc-float']],
    ['profile_threads', '(module (memory 1 1 shared))', ['dc', 'dc-float']],
    ['profile_import', '(module (import "env" "f" (func)))', ['dc', 'dc-float']],
    ['profile_import', '(module (import "icn" "mem" (memory 1)))', ['dc', 'dc-float']],
    [
      'profile_import_signature',
      '(module (import "icn" "log" (func (param i32))))',
      ['dc', 'dc-float'],
    ],
    [
      'profile_import_signature',
      '(module (import "icn" "timestamp" (func (result i32))))',
      ['dc', 'dc-float'],
    ],
    ['profile_reserved_name', '(module (func (export "__icn_fuel")))', ['dc', 'dc-float']],
    ['profile_memory_limit', '(module (memory 2049))', ['dc', 'dc-float']],
    ['profile_table_limit', '(module (table 10001 funcref))', ['dc', 'dc-float']],
    [
      'profile_bulk_length',
      '(module (memory 1) (func i32.const 0 i32.const 0 i32.const 0x100001 memory.fill))',
      ['dc', 'dc-float'],
    ],
    [
      'profile_nesting',
      `(module (func ${'(block '.repeat(101)}${')'.repeat(101)}))`,
      ['dc', 'dc-float'],
    ],
  ];
  it.each(cases)('%s: %s', async (code, wat, profiles) => {
    for (const p of profiles) expect(codes(await check(wat, p)), p).toContain(code);
    expect(await check(wat, 'raw'), 'raw').toEqual([]);
    if (!profiles.includes('dc-float'))
      expect(codes(await check(wat, 'dc-float'))).not.toContain(code);
  });

  it('accepts the three host imports with their exact signatures, floats in dc-float, and bulk ops at the limit', async () => {
    const wat = `(module (import "icn" "log" (func (param i32 i32))) (import "icn" "timestamp" (func (result i64)))
      (import "icn" "entropy_seed" (func (param i32))) (memory 1 4096)
      (func i32.const 0 i32.const 0 i32.const 0x100000 memory.fill (drop (i32.const 100 (nop)))))`;
    expect(await check(wat, 'dc')).toEqual([]);
    expect(
      await check(
        '(module (func (param f32) (result f64) local.get 0 f64.promote_f32))',
        'dc-float',
      ),
    ).toEqual([]);
    expect(await check(`(module (func ${'(block '.repeat(100)}${')'.repeat(100)}))`, 'dc')).toEqual(
      [],
    );
    expect(
      await check(
        '(module (func (export "id") (param externref) (result externref) local.get 0))',
        'dc',
      ),
    ).toEqual([]);
  });
});

const corpus = specCorpusForTests();
describe.skipIf(corpus === undefined)('validator on the spec test modules', () => {
  const compiled: { m: SpecModule; bytes: Uint8Array }[] = [];
  beforeAll(async () => {
    for (const m of specModules(scriptsOfSet(corpus!, 'core'))) {
      if (m.kind === 'binary') compiled.push({ m, bytes: m.bytes! });
      else {
        try {
          compiled.push({
            m,
            bytes: await watToWasm(m.kind === 'quote' ? `(module ${m.text})` : m.text!, {
              validate: false,
            }),
          });
        } catch {
          // the text is outside wabt's accepted syntax: not a binary we can judge
        }
      }
    }
  });

  it('agrees with V8 on every module (raw profile), rejects every assert_invalid and assert_malformed module', () => {
    let n = 0;
    for (const { m, bytes } of compiled) {
      const ours = validateModule(bytes, 'raw');
      const where = `${m.file}:${m.line} ${m.role} ${JSON.stringify(ours.violations.slice(0, 1))}`;
      if (m.role === 'assert_invalid' || m.role === 'assert_malformed')
        expect(ours.ok, where).toBe(false);
      // Node 20 only accepts relaxed SIMD behind a flag; our raw profile decodes and types it.
      if (!/relaxed/.test(m.file)) expect(ours.ok, where).toBe(v8Validate(bytes));
      n++;
    }
    expect(n).toBeGreaterThan(1800);
  });

  it('sorts spec modules under dc: floats and SIMD are rejected by name, integer modules accepted', () => {
    let accepted = 0;
    let floatRejected = 0;
    for (const { m, bytes } of compiled) {
      if (m.role !== 'module' || !validateModule(bytes, 'raw').ok) continue;
      const dc = validateModule(bytes, 'dc');
      if (dc.ok) accepted++;
      else {
        const cs = new Set(codes(dc.violations));
        if (cs.has('profile_float')) floatRejected++;
        for (const c of cs) expect(c, `${m.file}:${m.line}`).toMatch(/^profile_/);
      }
      if (/^(i32|i64|nop|br_if)\.wast$/.test(m.file))
        expect(
          dc.ok ||
            codes(dc.violations).every(
              (c) =>
                c === 'profile_float' || c === 'profile_import' || c === 'profile_reserved_name',
            ),
          `${m.file}:${m.line}`,
        ).toBe(true);
    }
    expect(accepted).toBeGreaterThan(150);
    expect(floatRejected).toBeGreaterThan(50);
  });

  // the byte-level fast path (lazy bodies and data) against the reference on decoded instructions
  const same = (a: DetailedValidation, b: DetailedValidation): unknown => [
    a.ok,
    a.violations,
    a.funcs,
    b.ok,
    b.violations,
    b.funcs,
  ];
  const agree = (
    bytes: Uint8Array,
    p: 'raw' | 'dc' | 'dc-float',
    where: string,
  ): DetailedValidation => {
    const fast = validateDetailed(bytes, p);
    const ref = validateEager(bytes, p);
    const [ok, vs, fs, ok2, vs2, fs2] = same(fast, ref) as unknown[];
    expect([ok, vs, fs], `${where} ${p}`).toEqual([ok2, vs2, fs2]);
    return fast;
  };

  it('the fast path agrees with the reference on every module and profile: violations, words, offsets, facts', () => {
    let unread = 0;
    let bodies = 0;
    for (const { m, bytes } of compiled) {
      for (const p of ['raw', 'dc', 'dc-float'] as const) {
        const r = agree(bytes, p, `${m.file}:${m.line} ${m.role}`);
        // a valid module's bodies were checked from bytes: none was decoded into instructions
        if (p === 'raw' && r.ok) {
          unread += r.module!.codes.filter((c) => unreadBody(c) !== undefined).length;
          bodies += r.module!.codes.length;
        }
      }
    }
    expect(bodies).toBeGreaterThan(1800);
    expect(unread / bodies).toBeGreaterThan(0.99);
  });

  it('the fast path agrees with the reference on mutated modules (malformed, invalid, fallbacks)', () => {
    const valid = compiled.filter((c) => c.m.role === 'module').map((c) => c.bytes);
    fc.assert(
      fc.property(
        fc.nat(valid.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.constantFrom('raw', 'dc', 'dc-float'),
        (i, muts, p) => {
          const b = valid[i]!.slice();
          for (const [pos, v] of muts) b[pos % b.length] = v;
          agree(b, p as 'raw', `module ${i} ${JSON.stringify(muts)}`);
        },
      ),
      { numRuns: 3000, seed: 19 },
    );
  });

  // pinned for CI; `npm run fuzz:validate` runs it unseeded with more runs (a failure prints its seed)
  const fuzzing = process.env.ICN_FUZZ_VALIDATE === '1';
  it('never throws on mutated modules, and never accepts what V8 rejects', () => {
    const valid = compiled
      .filter((c) => c.m.role === 'module' && !/relaxed/.test(c.m.file))
      .map((c) => c.bytes);
    fc.assert(
      fc.property(
        fc.nat(valid.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.constantFrom('raw', 'dc', 'dc-float'),
        (i, muts, p) => {
          const b = valid[i]!.slice();
          for (const [pos, v] of muts) b[pos % b.length] = v;
          const r = validateModule(b, p as 'raw');
          if (r.ok) expect(v8Validate(b)).toBe(true);
        },
      ),
      fuzzing ? { numRuns: 200_000 } : { numRuns: 4000, seed: 1919 },
    );
  });

  // the edits that move bytes: insertions, deletions, truncations, overlong LEB128 re-encodings
  type Edit = ['ins' | 'del' | 'cut' | 'leb', number, number];
  const edit = (b: number[], [kind, pos, v]: Edit): number[] => {
    const at = pos % (b.length + 1);
    if (kind === 'ins') return [...b.slice(0, at), v, ...b.slice(at)];
    if (kind === 'del') return [...b.slice(0, at), ...b.slice(at + 1 + (v & 3))];
    if (kind === 'cut') return b.slice(0, at);
    const x = b[at];
    // a one-byte LEB (< 0x80) re-encoded in 2-5 bytes: the same value, an overlong form
    if (x === undefined || x >= 0x80) return b;
    const n = 2 + (v % 4);
    return [
      ...b.slice(0, at),
      x | 0x80,
      ...new Array<number>(n - 2).fill(0x80),
      0,
      ...b.slice(at + 1),
    ];
  };
  it('never accepts what V8 rejects after insertions, deletions, truncations, overlong LEB128s', () => {
    const valid = compiled
      .filter((c) => c.m.role === 'module' && !/relaxed/.test(c.m.file))
      .map((c) => c.bytes);
    const anEdit = fc.tuple(
      fc.constantFrom('ins', 'del', 'cut', 'leb'),
      fc.nat(),
      fc.integer({ min: 0, max: 255 }),
    ) as fc.Arbitrary<Edit>;
    fc.assert(
      fc.property(
        fc.nat(valid.length - 1),
        fc.array(anEdit, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('raw', 'dc', 'dc-float'),
        (i, edits, p) => {
          const b = Uint8Array.from(edits.reduce(edit, Array.from(valid[i]!)));
          if (validateModule(b, p as 'raw').ok)
            expect(v8Validate(b), Buffer.from(b).toString('hex')).toBe(true);
        },
      ),
      fuzzing ? { numRuns: 100_000 } : { numRuns: 2000, seed: 1919 },
    );
  });
});

describe('validator: violation offsets name the entry', () => {
  it('each type entry and each function-section entry at its own byte, never the section start', async () => {
    // types: 0 (f64)->f64, 1 ()->(), 2 (f32)->(); function 1 uses a type index that does not exist
    const b = await watToWasm(
      '(module (type (func (param f64) (result f64))) (type (func)) (type (func (param f32))) (func (type 1)) (func (type 1)))',
      { validate: false },
    );
    const vs = validateModule(b, 'dc').violations;
    const t0 = vs.filter((v) => v.detail.startsWith('type 0:'));
    const t2 = vs.filter((v) => v.detail.startsWith('type 2:'));
    expect(t0.map((v) => v.code)).toEqual(['profile_float', 'profile_float']);
    // the type section's content starts at byte 10 (8-byte header, id, size, count): entry 0 at 11
    expect(b[11]).toBe(0x60);
    expect(new Set(t0.map((v) => v.offset))).toEqual(new Set([11]));
    expect(b[t2[0]!.offset]).toBe(0x60);
    expect(t2[0]!.offset).toBeGreaterThan(11);
    // corrupt function 1's type index (its function-section entry byte) to 9: unknown_type at that byte
    const funcSec = b.indexOf(0x03, t2[0]!.offset);
    const bad = b.slice();
    bad[funcSec + 4] = 9;
    const u = validateModule(bad, 'raw').violations.find((v) => v.code === 'unknown_type')!;
    expect(u.offset).toBe(funcSec + 4);
    expect(u.function).toBe(1);
  });
});

describe('validator: lazy decoding', () => {
  it('keeps bodies and data as bytes until read; reading gives what the eager decoder gives', async () => {
    const b = await watToWasm(`(module (memory 1) (global i32 (i32.const 0))
      (func (export "f") (param i32) (result i32) (block (result i32) local.get 0 i32.const 7 i32.add))
      (func (drop (i64.const -5)))
      (data (i32.const 8) "hi") (data "passive"))`);
    const lazy = decodeModule(b, { bodies: 'lazy' });
    const eager = decodeModule(b);
    expect(lazy.codes.map((c) => unreadBody(c) !== undefined)).toEqual([true, true]);
    expect(unreadDatas(lazy)?.count).toBe(2);
    expect(validateDetailed(b, 'dc').ok).toBe(true);
    expect(lazy.codes[0]!.body).toEqual(eager.codes[0]!.body);
    expect(unreadBody(lazy.codes[0]!)).toBeUndefined();
    expect(lazy.datas).toEqual(eager.datas);
    expect(unreadDatas(lazy)).toBeUndefined();
    expect(lazy).toEqual(eager);
  });

  it('a malformed body or data section found lazily is reported as the eager decoder reports it', async () => {
    const b = await watToWasm(
      '(module (memory 1) (func i32.const 1 drop) (func nop) (data (i32.const 0) "abc"))',
    );
    const badBody = b.slice();
    badBody[b.indexOf(0x41)] = 0xff; // i32.const -> an unknown opcode
    const badData = b.slice(0, -1); // the data section runs past the end
    for (const bad of [badBody, badData]) {
      const r = validateDetailed(bad, 'raw');
      expect(r.violations).toHaveLength(1);
      expect(r.violations[0]!.code).toMatch(/^malformed:/);
      expect(r).toEqual(validateEager(bad, 'raw'));
    }
  });
});
