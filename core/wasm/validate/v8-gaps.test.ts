/**
 * Modules our validator once accepted and V8 rejects (found by fuzzing mutated spec modules;
 * /tmp hunts, issue 19): each is held here as its exact bytes. An accepted module that V8 refuses
 * would run on the interpreter only, so every one must be rejected, by the fast path and the
 * reference alike, under every profile.
 */
import { describe, expect, it } from 'vitest';
import { scriptsOfSet, specCorpusForTests, specModules } from '../binary/spec-corpus.js';
import { v8Validate } from '../instrument/v8.js';
import { watToWasm } from '../wat.js';
import { decodeModule } from '../binary/decode.js';
import { validateDetailed, validateEager, validateModule, type Violation } from './validate.js';
import { checkV8Limits, V8_LIMITS } from './v8-limits.js';

const PROFILES = ['raw', 'dc', 'dc-float'] as const;
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

function rejectedEverywhere(
  bytes: Uint8Array,
  code: string,
  profiles: readonly ('raw' | 'dc' | 'dc-float')[] = PROFILES,
): void {
  expect(v8Validate(bytes)).toBe(false);
  for (const p of profiles) {
    const fast = validateDetailed(bytes, p);
    expect(fast.ok, p).toBe(false);
    expect(
      fast.violations.map((v) => v.code),
      p,
    ).toContain(code);
    expect(fast.violations, p).toEqual(validateEager(bytes, p).violations);
  }
}

// binary-leb128.wast:964 (saturating truncations with overlong sub-opcodes) with one byte changed:
// a sub-opcode of 2^16 or more aliased a small one in the key `0xfc << 16 | sub`
const SUBOP_ALIAS = [
  '0061736d01000000010401600000030201000a1b01190000fc800000fc81800000fc8680700000fc8780808000000b',
  '0061736d01000000010401600000030201000a1b01190000fc800000fc81804000fc8680800000fc8780808000000b',
  '0061736d01000000010401600000030201000a1b01190000fc800000fc81800000fc8680800000fc8780a08000000b',
  '0061736d01000000010401600000030201000a1b01190000fc800000fc81800000fc8680800000fc8780800400000b',
  '0061736d01000000010401600000030201000a1b01190000fc800000fc81800000fc8680800000fc8780808400000b',
];
// start.wast:21 with one byte changed: i32.load8_u's flags 0x40 (multi-memory's memory-index
// bit, then memory 0), which V8 reads as alignment 2^64
const ALIGN_BIT6 =
  '0061736d010000000108026000006000017f030403000100050401010101070d0203696e6300000367' +
  '657400010801020a23030f00410041002d000041016a3a00000b080041002d40000f0b08001000100010000b0b07010041000b0141';

describe('validator: modules V8 rejects that we accepted', () => {
  it.each(SUBOP_ALIAS)('a prefixed sub-opcode of 2^16 or more is an unknown opcode: %s', (h) => {
    rejectedEverywhere(hex(h), 'malformed:unknown_opcode');
  });

  it('memarg flags with bit 6 (a multi-memory index) are an alignment too large', () => {
    rejectedEverywhere(hex(ALIGN_BIT6), 'alignment_must_not_be_larger_than_natural');
    // i32.load with flags 0x40..0x43, then memory 0 and offset 0; 0x02 alone is valid
    const load = (flags: number[]): Uint8Array =>
      hex(
        '0061736d01000000010501600001' +
          '7f03020100050301000' +
          `10a${(flags.length + 8).toString(16).padStart(2, '0')}01${(flags.length + 6).toString(16).padStart(2, '0')}` +
          `004100${['28', ...flags.map((f) => f.toString(16).padStart(2, '0'))].join('')}000b`,
      );
    expect(validateModule(load([2]), 'raw').ok).toBe(true);
    expect(v8Validate(load([2]))).toBe(true);
    for (const flags of [0x40, 0x41, 0x42, 0x43])
      rejectedEverywhere(load([flags, 0]), 'alignment_must_not_be_larger_than_natural');
  });
});

// the larger counterexamples (1-2 KiB), rebuilt exactly from their spec module and the mutation
const corpus = specCorpusForTests();
describe.skipIf(corpus === undefined)(
  'validator: counterexamples from mutated spec modules',
  () => {
    const cases: [string, number, [number, number][], string][] = [
      [
        'block.wast',
        3,
        [
          [462060095, 253],
          [1164665589, 3],
        ],
        'alignment_must_not_be_larger_than_natural',
      ],
    ];
    it.each(cases)('%s:%d with %j', async (file, line, muts, code) => {
      const m = specModules(scriptsOfSet(corpus!, 'core')).find(
        (x) => x.file === file && x.line === line,
      )!;
      const b = (await watToWasm(m.text!, { validate: false })).slice();
      expect(validateModule(b, 'raw').ok).toBe(true);
      for (const [pos, v] of muts) b[pos % b.length] = v;
      rejectedEverywhere(b, code);
    });
  },
);

// V8's implementation limits: a module at a limit is accepted by V8 and by us, one past it by neither
const leb = (v: number): number[] => {
  const o: number[] = [];
  do {
    o.push((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
    v = Math.floor(v / 128);
  } while (v > 0);
  return o;
};
const sec = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
const vec = (n: number, item: (i: number) => number[]): number[] => {
  const out = leb(n);
  for (let i = 0; i < n; i++) for (const b of item(i)) out.push(b);
  return out;
};
const str = (s: string): number[] => [...leb(s.length), ...Buffer.from(s)];
const mod = (...secs: number[][]): Uint8Array => {
  const out = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
  for (const s of secs) for (const b of s) out.push(b);
  return Uint8Array.from(out);
};
const T0 = sec(1, [1, 0x60, 0, 0]);
const F1 = sec(3, [1, 0]);
const code1 = (body: number[]): number[] => sec(10, [1, ...leb(body.length), ...body]);
const LIMIT_MODULES: [string, number, (n: number) => Uint8Array, string][] = [
  [
    'locals (params included)',
    V8_LIMITS.locals,
    (n) =>
      mod(sec(1, [1, 0x60, 2, 0x7f, 0x7e, 0]), F1, code1([2, ...leb(n - 3), 0x7f, 1, 0x7e, 0x0b])),
    'too_many_locals',
  ],
  [
    'params',
    V8_LIMITS.params,
    (n) => mod(sec(1, [1, 0x60, ...leb(n), ...new Array<number>(n).fill(0x7f), 0])),
    'implementation_limit',
  ],
  [
    'results',
    V8_LIMITS.results,
    (n) => mod(sec(1, [1, 0x60, 0, ...leb(n), ...new Array<number>(n).fill(0x7f)])),
    'implementation_limit',
  ],
  [
    'br_table labels',
    V8_LIMITS.brTableLabels,
    (n) =>
      mod(
        T0,
        F1,
        code1([
          0,
          2,
          0x40,
          0x41,
          0,
          0x0e,
          ...leb(n),
          ...new Array<number>(n + 1).fill(0),
          0x0b,
          0x0b,
        ]),
      ),
    'implementation_limit',
  ],
  [
    'imports',
    V8_LIMITS.imports,
    (n) =>
      mod(
        T0,
        sec(
          2,
          vec(n, (i) => [...str('m'), ...str(`f${i}`), 0, 0]),
        ),
      ),
    'implementation_limit',
  ],
  [
    'exports',
    V8_LIMITS.exports,
    (n) =>
      mod(
        T0,
        F1,
        sec(
          7,
          vec(n, (i) => [...str(`e${i}`), 0, 0]),
        ),
        code1([0, 0x0b]),
      ),
    'implementation_limit',
  ],
  [
    'tables',
    V8_LIMITS.tables,
    (n) =>
      mod(
        sec(
          4,
          vec(n, () => [0x70, 0, 0]),
        ),
      ),
    'implementation_limit',
  ],
  [
    'data segments',
    V8_LIMITS.dataSegments,
    (n) =>
      mod(
        sec(5, [1, 0, 1]),
        sec(
          11,
          vec(n, () => [1, 0]),
        ),
      ),
    'implementation_limit',
  ],
  [
    'data count',
    V8_LIMITS.dataSegments,
    (n) =>
      mod(
        sec(5, [1, 0, 1]),
        sec(12, leb(n)),
        sec(
          11,
          vec(n, () => [1, 0]),
        ),
      ),
    'implementation_limit',
  ],
];

describe("validator: V8's implementation limits", () => {
  it.each(LIMIT_MODULES)(
    '%s: %d accepted, one more rejected as V8 rejects it',
    (_what, limit, build, code) => {
      const at = build(limit);
      expect(v8Validate(at)).toBe(true);
      expect(validateModule(at, 'raw').violations).toEqual([]);
      // a count is checked once per module, outside the body checkers: raw shows it (and stays quick)
      rejectedEverywhere(
        build(limit + 1),
        code,
        code === 'implementation_limit' && limit >= 100_000 ? ['raw'] : PROFILES,
      );
    },
  );

  // the limits too large to build cheaply (a million types, globals or functions, a 7 MiB body,
  // ten million element entries): the same checks, run with small limits on small modules
  it('checks each section count and entry size against the limits it is given', () => {
    const m = decodeModule(
      mod(
        T0,
        sec(2, [1, ...str('m'), ...str('f'), 0, 0]),
        sec(3, [2, 0, 0]),
        sec(4, [1, 0x70, 0, 1]),
        sec(6, [2, 0x7f, 0, 0x41, 0, 0x0b, 0x7f, 0, 0x41, 0, 0x0b]),
        sec(9, [2, 0, 0x41, 0, 0x0b, 2, 0, 1, 0, 0x41, 0, 0x0b, 0]),
        sec(10, [2, 3, 0, 1, 0x0b, 2, 0, 0x0b]),
      ),
    );
    const small = {
      ...V8_LIMITS,
      types: 0,
      functions: 1,
      globals: 1,
      elemSegments: 1,
      elemEntries: 1,
      functionSize: 2,
    };
    const out: Violation[] = [];
    checkV8Limits(m, out, small);
    expect(out.map((v) => v.detail.split(':')[0])).toEqual([
      'types',
      'functions',
      'globals',
      'element segments',
      'element segment 0 entries',
      'function 1 body bytes',
    ]);
    expect(out.every((v) => v.code === 'implementation_limit')).toBe(true);
    const none: Violation[] = [];
    checkV8Limits(m, none);
    expect(none).toEqual([]);
  });
});
