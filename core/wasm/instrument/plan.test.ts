/**
 * The planned placement (plan.ts: fast loop copies, leaf frames) against the plain per-segment
 * placement (`plan: false`) on generated programs: for every fuel amount and stack budget tried,
 * both give the same outcome, trap kind, fuel left, globals and memory bytes, i.e. the same
 * out-of-fuel point.
 */
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeModule } from '../binary/decode.js';
import { OP } from '../binary/opcodes.js';
import { watToWasm } from '../wat.js';
import { instrumentModule, validateInstrumented } from './instrument.js';
import { v8Validate, type V8Global, type V8Instance } from './v8.js';

const BIN = ['add', 'sub', 'mul', 'xor', 'and', 'shl', 'div_s', 'rem_u', 'lt_u'];

function expr(depth: number): fc.Arbitrary<string> {
  const leaf = fc.oneof(
    fc.integer({ min: -3, max: 70_000 }).map((k) => `(i32.const ${k})`),
    fc.constantFrom('(local.get $a)', '(local.get $b)', '(local.get $c)', '(global.get $g)'),
  );
  if (depth <= 0) return leaf;
  const sub = expr(depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.constantFrom(...BIN), sub, sub)
        .map(([op, x, y]) => `(i32.${op} ${x} ${y})`),
    },
    { weight: 1, arbitrary: sub.map((x) => `(i32.load8_u ${x})`) },
    { weight: 1, arbitrary: sub.map((x) => `(i32.load (i32.and ${x} (i32.const 0xfffc)))`) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(sub, sub, sub)
        .map(([c, t, e]) => `(if (result i32) ${c} (then ${t}) (else ${e}))`),
    },
  );
}

/**
 * Accesses through plain locals near the end of memory ($d, $e start near 65,536; $d may move),
 * behind `>=u`/`>u` exit tests and repeated with smaller offsets: the cases bounds.ts proves.
 */
const base = fc.constantFrom('$c', '$d', '$e');
const memOffset = fc.constantFrom(0, 1, 2, 3, 4, 65_532, 65_535);
const bounded = [
  fc
    .tuple(
      fc.constantFrom('ge_u', 'gt_u'),
      fc.constantFrom(['$d', '$e'], ['$e', '$d'], ['$c', '$e'], ['$c', '$d']),
    )
    .map(([op, [x, y]]) => `(br_if $exit (i32.${op} (local.get ${x}) (local.get ${y})))`),
  fc.constantFrom(1, 3).map((k) => `(local.set $d (i32.add (local.get $d) (i32.const ${k})))`),
  fc
    .constantFrom('$d', '$e')
    .map((x) => `(drop (local.tee ${x} (i32.add (local.get ${x}) (i32.const 1))))`),
  fc
    .tuple(fc.constantFrom('i32.store', 'i32.store8', 'i32.store16', 'i64.store'), memOffset, base)
    .map(([op, o, x]) => `(${op} offset=${o} (local.get ${x}) (${op.slice(0, 3)}.const 7))`),
  fc
    .tuple(
      fc.constantFrom('i32.load', 'i32.load8_u', 'i32.load16_s', 'i64.load32_u'),
      memOffset,
      base,
    )
    .map(([op, o, x]) => `(drop (${op} offset=${o} (local.get ${x})))`),
  fc
    .tuple(memOffset, base)
    .map(
      ([o, x]) =>
        `(drop (i32.add (i32.load offset=${o} (local.get ${x})) (i32.load8_u offset=${Math.max(0, o - 1)} (local.get ${x}))))`,
    ),
];

/** A statement inside a loop body (`$exit` leaves the loop, `$l` is its header). */
function stmt(depth: number, calls: boolean): fc.Arbitrary<string> {
  const e = expr(2);
  const simple = fc.oneof(
    fc.tuple(e, e).map(([p, v]) => `(i32.store (i32.and ${p} (i32.const 0xfffc)) ${v})`),
    fc.tuple(e, e).map(([p, v]) => `(i32.store8 ${p} ${v})`),
    e.map((v) => `(global.set $g ${v})`),
    e.map((v) => `(local.set $a ${v})`),
    e.map((c) => `(br_if $exit ${c})`),
    e.map((c) => `(if ${c} (then (unreachable)))`),
    e.map((x) => `(drop (i32.div_u (i32.const 100) ${x}))`),
    e.map(
      (x) =>
        `(block $x (block $y (br_table $x $y $exit (i32.and ${x} (i32.const 3)))) (global.set $g (i32.const 5)))`,
    ),
    ...bounded,
    ...(calls
      ? [
          e.map((x) => `(local.set $a (call $leaf ${x}))`),
          fc
            .tuple(e, e)
            .map(
              ([x, k]) =>
                `(local.set $a (call_indirect (type $t) ${x} (i32.and ${k} (i32.const 1))))`,
            ),
        ]
      : []),
  );
  if (depth <= 0) return simple;
  const sub = stmt(depth - 1, calls);
  return fc.oneof(
    { weight: 4, arbitrary: simple },
    {
      weight: 1,
      arbitrary: fc.tuple(e, sub, sub).map(([c, t, f]) => `(if ${c} (then ${t}) (else ${f}))`),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(e, sub)
        .map(
          ([v, s]) =>
            `(drop (block (result i32) ${s} (br_if 0 ${v} (local.get $b)) (drop) (i32.const 1)))`,
        ),
    },
  );
}

/** A bounded loop (counter $c up to n) of generated statements, optionally yielding a value. */
function loop(calls: boolean): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.array(stmt(2, calls), { minLength: 1, maxLength: 5 }),
      fc.integer({ min: 1, max: 40 }),
      fc.boolean(),
    )
    .map(([body, n, value]) => {
      const step = `(local.set $c (i32.add (local.get $c) (i32.const 1)))`;
      if (value)
        return `(block $exit (drop (loop $l (result i32) ${body.join(' ')} ${step} (br_if $l (i32.lt_u (local.get $c) (i32.const ${n}))) (local.get $a))))`;
      return `(block $exit (loop $l ${body.join(' ')} ${step} (br_if $l (i32.lt_u (local.get $c) (i32.const ${n})))))`;
    });
}

/** A loop of bounded statements only (the exit tests and accesses bounds.ts reasons about). */
const boundedLoop = fc
  .array(fc.oneof(...bounded), { minLength: 2, maxLength: 6 })
  .map(
    (body) =>
      `(block $exit (loop $l ${body.join(' ')} (local.set $c (i32.add (local.get $c) (i32.const 1))) (br_if $l (i32.lt_u (local.get $c) (i32.const 9)))))`,
  );

const nearEnd = fc.constantFrom(
  0,
  1,
  65_500,
  65_528,
  65_531,
  65_532,
  65_533,
  65_535,
  65_536,
  70_000,
  -1,
);
const program = fc
  .tuple(
    fc.array(loop(false), { minLength: 1, maxLength: 3 }),
    loop(true),
    fc.integer({ min: 0, max: 70_000 }),
    fc.integer({ min: -3, max: 9 }),
    nearEnd,
    fc.integer({ min: -2, max: 2 }),
    boundedLoop,
  )
  .map(([leafLoops, mainLoop, a, b, e, de, bLoop]) => ({
    wat: `(module (memory 1 2) (global $g (export "g") (mut i32) (i32.const 0))
    (global $d0 i32 (i32.const ${e + de})) (global $e0 i32 (i32.const ${e}))
    (type $t (func (param i32) (result i32))) (table 2 funcref) (elem (i32.const 0) $leaf $rec)
    (func $leaf (param $a i32) (result i32) (local $b i32) (local $c i32) (local $d i32) (local $e i32)
      (local.set $d (global.get $d0)) (local.set $e (global.get $e0)) ${leafLoops.join(' ')} (local.get $a))
    (func $rec (param $a i32) (result i32) (local $b i32) (local $c i32)
      (if (result i32) (i32.le_s (local.get $a) (i32.const 0)) (then (call $leaf (local.get $a)))
        (else (i32.add (call_indirect (type $t) (i32.sub (local.get $a) (i32.const 1)) (i32.const 1)) (call $rec (i32.sub (local.get $a) (i32.const 2)))))))
    (func (export "main") (param $a i32) (param $b i32) (result i32) (local $c i32) (local $d i32) (local $e i32)
      (local.set $c (i32.and (local.get $a) (i32.const 7)))
      (local.set $d (global.get $d0)) (local.set $e (global.get $e0))
      (drop (call $rec (local.get $b)))
      ${mainLoop}
      ${bLoop}
      (call $leaf (local.get $a))))`,
    a,
    b,
  }));

interface State {
  ok: boolean;
  value?: number;
  message?: string;
  trap: number;
  fuelLeft: bigint;
  g: number;
  memory: string;
}

// V8 as the oracle (the project compiles without the DOM lib, so the API is typed here).
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => V8Instance;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
const compiled = new WeakMap<Uint8Array, object>();

/**
 * A fresh instance (fresh memory and globals) of `bytes` per run, compiled once per buffer: the
 * kernels below run one module thousands of times, and compiling was most of each run.
 */
function instantiate(bytes: Uint8Array): V8Instance {
  let module = compiled.get(bytes);
  if (module === undefined) compiled.set(bytes, (module = new wasm.Module(bytes)));
  return new wasm.Instance(module, {});
}

async function runOnce(
  bytes: Uint8Array,
  fuel: bigint,
  stack: number,
  a: number,
  b: number,
  entry = 'main',
): Promise<State> {
  const inst = instantiate(bytes);
  const x = inst.exports;
  (x.__icn_fuel as V8Global<bigint>).value = fuel;
  (x.__icn_trap as V8Global<number>).value = 0;
  (x.__icn_stack as V8Global<number>).value = stack;
  let r: Pick<State, 'ok' | 'value' | 'message'>;
  try {
    r = { ok: true, value: (x[entry] as (a: number, b: number) => number)(a, b) };
  } catch (e) {
    r = { ok: false, message: (e as Error).message };
  }
  const m = x.__icn_memory as { buffer: ArrayBuffer } | undefined;
  const memory =
    m === undefined ? '' : createHash('sha256').update(new Uint8Array(m.buffer)).digest('hex');
  const g = (x.g as V8Global<number> | undefined)?.value ?? 0;
  return {
    ...r,
    trap: (x.__icn_trap as V8Global<number>).value,
    fuelLeft: (x.__icn_fuel as V8Global<bigint>).value,
    g,
    memory,
  };
}

const loops = (bytes: Uint8Array): number =>
  decodeModule(bytes).codes.reduce(
    (n, c) => n + c.body.filter((i) => i.op === OP('loop')).length,
    0,
  );

describe('planned meter placement', () => {
  it('is bit-identical to the per-segment placement at every fuel amount and stack budget', async () => {
    let split = 0;
    let outOfFuel = 0;
    let oob = 0;
    await fc.assert(
      fc.asyncProperty(
        program,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
        fc.integer({ min: 0, max: 120 }),
        async ({ wat, a, b }, cuts, stack) => {
          const raw = await watToWasm(wat);
          const plain = instrumentModule(raw, 'dc', { plan: false }).bytes;
          const planned = instrumentModule(raw, 'dc').bytes;
          expect(v8Validate(planned)).toBe(true);
          expect(validateInstrumented(planned)).toEqual([]);
          if (loops(planned) > loops(plain)) split++;
          const full = await runOnce(plain, 1n << 22n, 65_536, a, b);
          const used = (1n << 22n) - full.fuelLeft;
          const fuels = [
            1n << 22n,
            used,
            used - 1n,
            ...cuts.map((f) => BigInt(Math.floor(Number(used) * f))),
          ].filter((f) => f >= 0n);
          for (const fuel of fuels) {
            const want = await runOnce(plain, fuel, 65_536, a, b);
            expect(await runOnce(planned, fuel, 65_536, a, b)).toEqual(want);
            if (want.trap === 1) outOfFuel++;
            if (want.message?.includes('out of bounds') === true) oob++;
          }
          // a small stack budget: stack_exhausted at the same call, with the same state
          expect(await runOnce(planned, used, stack, a, b)).toEqual(
            await runOnce(plain, used, stack, a, b),
          );
        },
      ),
      { numRuns: 150, seed: 19 },
    ); // pinned: the counts below depend on the sample
    expect(split).toBeGreaterThan(100);
    expect(outOfFuel).toBeGreaterThan(200);
    expect(oob).toBeGreaterThan(100);
  });
});

describe('write-backs dropped before accesses proven in bounds (bounds.ts)', () => {
  // one access width K per program, bases at the edge: e + K = 65,536 (+-1), d and c near e
  const OPS: Record<number, [string, string]> = {
    1: ['i32.store8', 'i32.load8_u'],
    2: ['i32.store16', 'i32.load16_u'],
    4: ['i32.store', 'i32.load'],
    8: ['i64.store', 'i64.load'],
  };
  const narrow = (k: number): fc.Arbitrary<string>[] => [
    fc
      .tuple(fc.constantFrom('ge_u', 'gt_u'), fc.constantFrom(['$d', '$e'], ['$c', '$e']))
      .map(([op, [x, y]]) => `(br_if $exit (i32.${op} (local.get ${x}) (local.get ${y})))`),
    fc
      .constantFrom('$d', '$e')
      .map((x) => `(drop (local.tee ${x} (i32.add (local.get ${x}) (i32.const 1))))`),
    fc
      .constantFrom('$d', '$c')
      .map((x) => `(local.set ${x} (i32.add (local.get ${x}) (i32.const 1)))`),
    fc
      .constantFrom('$c', '$d', '$e')
      .map((x) => `(${OPS[k]![0]} (local.get ${x}) (${OPS[k]![0].slice(0, 3)}.const 7))`),
    fc
      .tuple(fc.constantFrom('$c', '$d', '$e'), fc.constantFrom(0, 1))
      .map(([x, o]) => `(drop (${OPS[k]![1]} offset=${o} (local.get ${x})))`),
  ];
  const edgeProgram = fc.constantFrom(1, 2, 4, 8).chain((k) =>
    fc
      .tuple(
        fc.array(fc.oneof(...narrow(k)), { minLength: 2, maxLength: 5 }),
        fc.integer({ min: -1, max: 1 }),
        fc.integer({ min: -1, max: 1 }),
        fc.integer({ min: -2, max: 1 }),
      )
      .map(([body, x, de, dc]) => {
        const e = 65_536 - k + x;
        return `(module (memory 1 2)
    (func (export "main") (param $a i32) (param $b i32) (result i32) (local $c i32) (local $d i32) (local $e i32)
      (local.set $e (i32.const ${e})) (local.set $d (i32.const ${e + de})) (local.set $c (i32.const ${e + dc}))
      (block $exit (loop $l ${body.join(' ')} (local.set $a (i32.add (local.get $a) (i32.const 1))) (br_if $l (i32.lt_u (local.get $a) (i32.const 6)))))
      (local.get $d)))`;
      }),
  );

  it('gives the same state as the per-segment placement at the edge of memory', async () => {
    let oob = 0;
    await fc.assert(
      fc.asyncProperty(edgeProgram, async (wat) => {
        const raw = await watToWasm(wat);
        const plain = instrumentModule(raw, 'dc', { plan: false }).bytes;
        const planned = instrumentModule(raw, 'dc').bytes;
        const want = await runOnce(plain, 1n << 22n, 65_536, 0, 0);
        expect(await runOnce(planned, 1n << 22n, 65_536, 0, 0)).toEqual(want);
        if (want.message?.includes('out of bounds') === true) oob++;
      }),
      { numRuns: 1500, seed: 19 },
    ); // pinned: the count below depends on the sample
    expect(oob).toBeGreaterThan(100);
  });
});

describe('planned meter placement on the bench kernels', () => {
  // every fuel amount from 0 to what the call needs: the fast copy's header check is exact (a
  // budget one too small, or a deduction moved, shows up as a different state at some amount)
  const cases: [string, number][] = [
    ['sieve.wat', 25],
    ['sort.wat', 10],
    ['fib.wat', 6],
    ['hash.wat', 1],
  ];
  it.each(cases)('%s: same state at every fuel amount', async (file, arg) => {
    const raw = await watToWasm(readFileSync(join(process.cwd(), 'bench', 'wasm', file), 'utf8'));
    const plain = instrumentModule(raw, 'dc', { plan: false }).bytes;
    const planned = instrumentModule(raw, 'dc').bytes;
    const full = await runOnce(plain, 1n << 40n, 65_536, arg, 0, 'run');
    expect(full.ok).toBe(true);
    const used = (1n << 40n) - full.fuelLeft;
    const step = used > 2500n ? 3n : 1n;
    let differs = 0;
    for (let fuel = 0n; fuel <= used; fuel += step) {
      const want = await runOnce(plain, fuel, 65_536, arg, 0, 'run');
      const got = await runOnce(planned, fuel, 65_536, arg, 0, 'run');
      if (
        JSON.stringify({ ...got, fuelLeft: String(got.fuelLeft) }) !==
        JSON.stringify({ ...want, fuelLeft: String(want.fuelLeft) })
      )
        differs++;
    }
    expect(differs).toBe(0);
    expect(await runOnce(planned, used, 65_536, arg, 0, 'run')).toEqual(
      full.ok ? { ...full, fuelLeft: 0n } : full,
    );
  });
});
