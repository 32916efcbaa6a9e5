/**
 * The operator table and the opcode names: every name of opcode-names.ts is the key
 * core/wasm/binary/opcodes.ts gives the same instruction, and every numeric, comparison,
 * conversion, load and store operator of the interpreter's feature set has its one definition in
 * ops.ts (the run loop and the JS tier have no other).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allOps } from '../binary/opcodes.js';
import { applyOp } from './generic.js';
import { I64_INT_EDGES } from './i64-edges.fixtures.js';
import * as names from './opcode-names.js';
import { allOperators, operator, SCOPE, T_I64, type PairOp } from './ops.js';

const FEATURES = new Set([
  'mvp',
  'sign_extension',
  'sat_float_to_int',
  'bulk_memory',
  'reference_types',
]);
const ours = allOps().filter((o) => FEATURES.has(o.feature));
const camel = (n: string): string =>
  n
    .split(/[._]/)
    .map((s) => s[0]!.toUpperCase() + s.slice(1))
    .join('');
// the const enum's runtime object (vitest compiles it as a plain enum; tsc inlines its members)
const Op = Object.fromEntries(Object.entries(names)).Op as Record<string, number | string>;

describe('opcode names', () => {
  it('name every instruction of the feature set with its opcodes.ts key, and nothing else', () => {
    for (const o of ours) expect([o.name, Op[camel(o.name)]]).toEqual([o.name, o.key]);
    const members = Object.keys(Op).filter((k) => Number.isNaN(Number(k)));
    expect(members.length).toBe(ours.length);
  });
});

describe('operator table', () => {
  it('defines every value, load and store operator once, and only those', () => {
    const valueOps = ours.filter(
      (o) => /^[if](32|64)\./.test(o.name) && !o.name.endsWith('.const'),
    );
    expect(valueOps.length).toBeGreaterThan(150);
    for (const o of valueOps) expect([o.name, operator(o.key)?.name]).toEqual([o.name, o.name]);
    expect(allOperators().length).toBe(valueOps.length);
  });

  it('compiles templates that compute: i32.add wraps, i64.rotl rotates, f64.div of zeros is the canonical NaN', () => {
    expect(applyOp(0x6a, [0x7fffffff, 1])).toBe(-0x80000000);
    expect(applyOp(0x89, [-0x8000000000000000n, 1n])).toBe(1n);
    expect(applyOp(0xa3, [0n, 0n])).toBe(0x7ff8000000000000n);
    expect(() => applyOp(0x20, [0])).toThrow(/not a value operator/);
  });
});

// ---- i64 pair templates against a BigInt reference ----
const U64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const S64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const MIN64 = -(1n << 63n);
const bit = (c: boolean): number => (c ? 1 : 0);
const countLeading = (x: bigint): bigint =>
  BigInt(64 - U64(x).toString(2).replace(/^0$/, '').length);
const rotl = (a: bigint, k: bigint): bigint => S64((U64(a) << k) | (U64(a) >> ((64n - k) & 63n)));
/** Independent BigInt definitions (what the pair templates must compute), a trap as an exception. */
const REF: Record<string, (a: bigint, b: bigint) => bigint | number> = {
  'i64.add': (a, b) => S64(a + b),
  'i64.sub': (a, b) => S64(a - b),
  'i64.mul': (a, b) => S64(a * b),
  'i64.and': (a, b) => a & b,
  'i64.or': (a, b) => a | b,
  'i64.xor': (a, b) => a ^ b,
  'i64.shl': (a, b) => S64(a << (b & 63n)),
  'i64.shr_s': (a, b) => a >> (b & 63n),
  'i64.shr_u': (a, b) => S64(U64(a) >> (b & 63n)),
  'i64.rotl': (a, b) => rotl(a, b & 63n),
  'i64.rotr': (a, b) => rotl(a, (64n - (b & 63n)) & 63n),
  'i64.eqz': (a) => bit(a === 0n),
  'i64.eq': (a, b) => bit(a === b),
  'i64.ne': (a, b) => bit(a !== b),
  'i64.lt_s': (a, b) => bit(a < b),
  'i64.gt_s': (a, b) => bit(a > b),
  'i64.le_s': (a, b) => bit(a <= b),
  'i64.ge_s': (a, b) => bit(a >= b),
  'i64.lt_u': (a, b) => bit(U64(a) < U64(b)),
  'i64.gt_u': (a, b) => bit(U64(a) > U64(b)),
  'i64.le_u': (a, b) => bit(U64(a) <= U64(b)),
  'i64.ge_u': (a, b) => bit(U64(a) >= U64(b)),
  'i64.clz': (a) => countLeading(a),
  'i64.ctz': (a) => (a === 0n ? 64n : countLeading(U64(a) & -U64(a)) ^ 63n),
  'i64.popcnt': (a) => BigInt([...U64(a).toString(2)].filter((c) => c === '1').length),
  'i64.extend8_s': (a) => BigInt.asIntN(8, a),
  'i64.extend16_s': (a) => BigInt.asIntN(16, a),
  'i64.extend32_s': (a) => BigInt.asIntN(32, a),
  'i64.extend_i32_s': (a) => BigInt.asIntN(32, a),
  'i64.extend_i32_u': (a) => BigInt.asUintN(32, a),
  'i32.wrap_i64': (a) => Number(BigInt.asIntN(32, a)),
  'i64.div_s': (a, b) => {
    if (b === 0n || (a === MIN64 && b === -1n)) throw new Error('trap');
    return a / b;
  },
  'i64.div_u': (a, b) => {
    if (b === 0n) throw new Error('trap');
    return S64(U64(a) / U64(b));
  },
  'i64.rem_s': (a, b) => {
    if (b === 0n) throw new Error('trap');
    return a % b;
  },
  'i64.rem_u': (a, b) => {
    if (b === 0n) throw new Error('trap');
    return S64(U64(a) % U64(b));
  },
};

/**
 * A pair template compiled on its own, over halves (no bigint split/join around it): operands in
 * al/ah, bl/bh (an i32 operand in al); results in names of their own, or (aliased, as the JS tier
 * does) in the first operand's names.
 */
function pairFn(
  d: PairOp,
  aliased: boolean,
  bLiteral?: bigint,
): (a: bigint, b: bigint) => bigint | number {
  const names = (t: string, v: string): string[] => (t === 'i64' ? [`${v}l`, `${v}h`] : [`${v}l`]);
  const r = aliased && d.result === d.params[0] ? names(d.result, 'a') : names(d.result, 'r');
  // the JS tier passes an i64.const operand as the literals of its halves
  const b =
    bLiteral !== undefined
      ? [String(BigInt.asIntN(32, bLiteral)), String(BigInt.asIntN(32, bLiteral >> 32n))]
      : d.params[1]
        ? names(d.params[1], 'b')
        : [];
  const stmt = d.stmt(r, names(d.params[0]!, 'a'), b);
  const ret = d.result === 'i64' ? `jn(${r[0]}, ${r[1]})` : r[0];
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the table's own templates
  const f = new Function(
    ...SCOPE.keys(),
    `return function (al, ah, bl, bh) { let rl = 0, rh = 0, tv, ${T_I64.map((t) => `${t} = 0`).join(', ')}; ${stmt}; return ${ret}; };`,
  )(...SCOPE.values()) as (...h: number[]) => bigint | number;
  const halves = (x: bigint): number[] => [
    Number(BigInt.asIntN(32, x)),
    Number(BigInt.asIntN(32, x >> 32n)),
  ];
  return (a, b) => f(...halves(a), ...halves(b));
}

// edge-heavy i64 operands: the halves' boundaries, the sign bit, shift counts around 32 and 64
const EDGES = I64_INT_EDGES;
const HALVES = [0, 1, -1, 0x7fffffff, -0x80000000, 0xffff, 0x10000, -0x10000];
const i64Arb = fc.oneof(
  fc.constantFrom(...EDGES),
  fc.bigInt({ min: MIN64, max: (1n << 63n) - 1n }),
  fc
    .tuple(fc.constantFrom(...HALVES), fc.constantFrom(...HALVES))
    .map(([lo, hi]) => (BigInt(hi) << 32n) | BigInt(lo >>> 0)),
);

describe('i64 pair templates', () => {
  const pairs = allOperators().filter(
    (d): d is PairOp => d.kind === 'pair' && REF[d.name] !== undefined,
  );

  it('cover every integer i64 operator of the table', () => {
    expect(pairs.map((d) => d.name).sort()).toEqual(Object.keys(REF).sort());
  });

  it('equal a BigInt reference on edge-heavy operands, results apart or over the first operand (fast-check, pinned seed)', () => {
    const outcome = (f: () => bigint | number): string => {
      try {
        return String(f());
      } catch {
        return 'trap';
      }
    };
    const cases = pairs.flatMap((d) =>
      [false, true].map((aliased) => ({ d, f: pairFn(d, aliased), aliased })),
    );
    fc.assert(
      fc.property(i64Arb, i64Arb, (a, b) => {
        for (const { d, f, aliased } of cases) {
          // an i32 operand (extend_i32_*) takes the low half
          const x = d.params[0] === 'i32' ? BigInt.asIntN(32, a) : a;
          const want = outcome(() => REF[d.name]!(x, b));
          expect([d.name, aliased, a, b, outcome(() => f(x, b))]).toEqual([
            d.name,
            aliased,
            a,
            b,
            want,
          ]);
        }
      }),
      { seed: 19, numRuns: 3000 },
    );
  });

  it('equal the reference with a literal second operand (shift counts 0-63 and beyond, every operator)', () => {
    const counts = [
      ...Array.from({ length: 64 }, (_, i) => BigInt(i)),
      64n,
      65n,
      100n,
      -1n,
      -31n,
      -32n,
      -33n,
      MIN64,
    ];
    const as = [...EDGES, ...fc.sample(i64Arb, { seed: 19, numRuns: 40 })];
    let checked = 0;
    for (const d of pairs.filter((p) => p.params[1] === 'i64'))
      for (const n of counts)
        for (const aliased of [false, true]) {
          const f = pairFn(d, aliased, n);
          for (const a of as) {
            const want = (() => {
              try {
                return String(REF[d.name]!(a, n));
              } catch {
                return 'trap';
              }
            })();
            let got: string;
            try {
              got = String(f(a, 0n));
            } catch {
              got = 'trap';
            }
            expect([d.name, n, a, aliased, got]).toEqual([d.name, n, a, aliased, want]);
            checked++;
          }
        }
    expect(checked).toBeGreaterThan(50_000);
  });
});
