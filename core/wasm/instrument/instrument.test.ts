import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isIcnError } from '../../errors.js';
import { scriptsOfSet, specCorpusForTests, specModules } from '../binary/spec-corpus.js';
import { validateModule } from '../validate/validate.js';
import { watToWasm } from '../wat.js';
import {
  ICN_TRAP,
  instrumentModule,
  validateInstrumented,
  WasmProfileError,
} from './instrument.js';
import { v8Instantiate, v8Validate, type V8Global, type V8Instance } from './v8.js';

type Outcome = { ok: true; value: unknown } | { ok: false; trap: number; message: string };

/** A minimal stand-in for the executor: set the ABI globals, invoke, read them back. */
class Guest {
  constructor(readonly inst: V8Instance) {}
  g<T>(name: string): V8Global<T> {
    return this.inst.exports[name] as V8Global<T>;
  }
  fuelLeft(): bigint {
    return this.g<bigint>('__icn_fuel').value;
  }
  run(name: string, fuel: bigint, ...args: unknown[]): Outcome & { used: bigint } {
    this.g<bigint>('__icn_fuel').value = fuel;
    this.g<number>('__icn_trap').value = 0;
    this.g<number>('__icn_stack').value = 65_536;
    let r: Outcome;
    try {
      r = { ok: true, value: (this.inst.exports[name] as (...a: unknown[]) => unknown)(...args) };
    } catch (e) {
      r = { ok: false, trap: this.g<number>('__icn_trap').value, message: (e as Error).message };
    }
    return { ...r, used: fuel - this.fuelLeft() };
  }
}

async function guest(
  wat: string,
  profile: 'dc' | 'dc-float' = 'dc',
  imports: Record<string, Record<string, unknown>> = {},
): Promise<Guest> {
  const r = instrumentModule(await watToWasm(wat), profile);
  expect(v8Validate(r.bytes)).toBe(true);
  expect(validateInstrumented(r.bytes)).toEqual([]);
  return new Guest(await v8Instantiate(r.bytes, imports));
}

const PROGRAMS = `(module (memory 1)
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1))) (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "add") (result i32) i32.const 1 i32.const 2 i32.add)
  (func $rec (export "rec") (param i32) (result i32) local.get 0 i32.const 1 i32.add call $rec)
  (func (export "fill") (param i32 i32) local.get 0 i32.const 7 local.get 1 memory.fill)
  (func (export "copy") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.copy)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_u)
  (func (export "early") (param i32) (result i32) (if (local.get 0) (then (return (i32.const 7)))) i32.const 9)
  (func (export "loop") (param i32) (result i32) (local i32)
    (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1))) (br_if $l (i32.lt_u (local.get 1) (local.get 0)))) local.get 1))`;

describe('instrumenter: fuel', () => {
  let g: Guest;
  beforeAll(async () => {
    g = await guest(PROGRAMS);
  });

  it('charges 1 per operator: i32.const i32.const i32.add = 3', () => {
    expect(g.run('add', 100n)).toMatchObject({ ok: true, value: 3, used: 3n });
  });

  it('out_of_fuel boundary: exactly enough completes, one less traps with nothing deducted', () => {
    expect(g.run('add', 3n)).toMatchObject({ ok: true, value: 3, used: 3n });
    expect(g.fuelLeft()).toBe(0n);
    expect(g.run('add', 2n)).toMatchObject({ ok: false, trap: ICN_TRAP.outOfFuel, used: 0n });
    expect(g.fuelLeft()).toBe(2n);
  });

  it('loop: 8 per iteration + the final local.get (10 iterations = 81)', () => {
    expect(g.run('loop', 1000n, 10)).toMatchObject({ ok: true, value: 10, used: 81n });
    // the 11th charge fails: 10 iterations = 80 need 81 in total
    expect(g.run('loop', 80n, 10)).toMatchObject({
      ok: false,
      trap: ICN_TRAP.outOfFuel,
      used: 80n,
    });
  });

  it('calls: fib(10) = 88 inner calls x 13 + 89 leaves x 5 = 1589', () => {
    // inner call: [local.get i32.const i32.lt_u if] 4 + [local.get i32.const i32.sub call] 4 x 2 + [i32.add end] 1 = 13
    // leaf: 4 + [local.get else] 1 = 5
    expect(g.run('fib', 10n ** 9n, 10)).toMatchObject({ ok: true, value: 55, used: 1589n });
  });

  it('bulk ops: base cost, then 1 per byte after the bounds check', () => {
    expect(g.run('fill', 1000n, 0, 100)).toMatchObject({ ok: true, used: 104n });
    // out of bounds: traps memory_oob (trap code 0 = a guest trap) with only the base segment charged
    expect(g.run('fill', 1000n, 65_500, 100)).toMatchObject({ ok: false, trap: 0, used: 4n });
    // in bounds but the length charge does not fit: out_of_fuel, length not deducted
    expect(g.run('fill', 103n, 0, 100)).toMatchObject({
      ok: false,
      trap: ICN_TRAP.outOfFuel,
      used: 4n,
    });
    expect(g.run('copy', 1000n, 10, 20, 30)).toMatchObject({ ok: true, used: 34n });
    expect(g.run('copy', 1000n, 10, 65_530, 30)).toMatchObject({ ok: false, trap: 0, used: 4n });
  });

  it('a guest trap is charged up to and including the trapping instruction', () => {
    expect(g.run('div', 1000n, 1, 0)).toMatchObject({ ok: false, trap: 0, used: 3n });
    expect(g.run('div', 1000n, 6, 3)).toMatchObject({ ok: true, value: 2, used: 3n });
  });

  it('return inside blocks still gives the stack frame back', () => {
    expect(g.run('early', 100n, 1)).toMatchObject({ ok: true, value: 7 });
    expect(g.g<number>('__icn_stack').value).toBe(65_536);
    expect(g.run('early', 100n, 0)).toMatchObject({ ok: true, value: 9 });
    expect(g.g<number>('__icn_stack').value).toBe(65_536);
  });
});

describe('instrumenter: stack, memory, bulk limit', () => {
  it('stack_exhausted at the same logical depth: frame = locals 1 + max height 2 + overhead 8 = 11 slots', async () => {
    const g = await guest(PROGRAMS);
    const r = g.run('rec', 10n ** 12n, 0);
    expect(r).toMatchObject({ ok: false, trap: ICN_TRAP.stackExhausted });
    // floor(65536 / 11) = 5957 frames entered, 4 fuel each
    expect(r.used).toBe(5957n * 4n);
  });

  it('caps memory at 2048 pages: growing past returns -1, never a harness fault', async () => {
    const g = await guest(PROGRAMS);
    expect(g.run('grow', 100n, 2047)).toMatchObject({ ok: true, value: 1 });
    expect(g.run('grow', 100n, 1)).toMatchObject({ ok: true, value: -1 });
    expect(g.run('grow', 100n, 0)).toMatchObject({ ok: true, value: 2048 });
  });

  it('a declared maximum above the cap is lowered to it', async () => {
    const g = await guest(
      '(module (memory 1 65536) (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))',
    );
    expect(g.run('grow', 100n, 2048)).toMatchObject({ ok: true, value: -1 });
    expect(g.run('grow', 100n, 2047)).toMatchObject({ ok: true, value: 1 });
  });

  it('growing past a declared maximum below the cap returns -1 (not a harness fault)', async () => {
    const g = await guest(
      '(module (memory 0 2) (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))',
    );
    expect(g.run('grow', 100n, 3)).toMatchObject({ ok: true, value: -1 });
    expect(g.run('grow', 100n, 2)).toMatchObject({ ok: true, value: 0 });
    expect(g.run('grow', 100n, 1)).toMatchObject({ ok: true, value: -1 });
  });

  it('dynamic bulk length above 1 MiB traps with __icn_trap = 4', async () => {
    const g = await guest(
      '(module (memory 17) (func (export "fill") (param i32) i32.const 0 i32.const 0 local.get 0 memory.fill))',
    );
    expect(g.run('fill', 10n ** 9n, 1 << 20)).toMatchObject({ ok: true, used: 4n + (1n << 20n) });
    expect(g.run('fill', 10n ** 9n, (1 << 20) + 1)).toMatchObject({
      ok: false,
      trap: ICN_TRAP.bulkLimit,
      used: 4n,
    });
  });

  it('memory.init honours data.drop and active segments (bounds by the live length)', async () => {
    const g = await guest(`(module (memory 1) (data $p "abcdef") (data $a (i32.const 0) "xy")
      (func (export "init") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.init $p)
      (func (export "inita") (param i32) i32.const 0 i32.const 0 local.get 0 memory.init $a)
      (func (export "drop") data.drop $p))`);
    expect(g.run('init', 100n, 0, 1, 5)).toMatchObject({ ok: true, used: 9n });
    expect(g.run('init', 100n, 0, 2, 5)).toMatchObject({ ok: false, trap: 0, used: 4n });
    expect(g.run('inita', 100n, 0)).toMatchObject({ ok: true, used: 4n });
    expect(g.run('inita', 100n, 1)).toMatchObject({ ok: false, trap: 0, used: 4n });
    g.run('drop', 100n);
    expect(g.run('init', 100n, 0, 0, 0)).toMatchObject({ ok: true, used: 4n });
    expect(g.run('init', 100n, 0, 0, 1)).toMatchObject({ ok: false, trap: 0 });
  });

  it('exports the ABI globals and memory 0 as __icn_memory', async () => {
    const r = instrumentModule(await watToWasm('(module (memory 2) (func (export "f")))'), 'dc');
    const inst = await v8Instantiate(r.bytes);
    expect(Object.keys(inst.exports).sort()).toEqual([
      '__icn_fuel',
      '__icn_memory',
      '__icn_stack',
      '__icn_trap',
      'f',
    ]);
    expect(r.profileHash).toMatch(/^sha256:/);
    expect(r.costTableHash).toMatch(/^sha256:/);
    // deterministic output
    expect(
      instrumentModule(await watToWasm('(module (memory 2) (func (export "f")))'), 'dc').bytes,
    ).toEqual(r.bytes);
  });
});

describe('instrumenter: NaN canonicalization (dc-float)', () => {
  const wat = `(module
    (func (export "div32") (param f32 f32) (result i32) local.get 0 local.get 1 f32.div i32.reinterpret_f32)
    (func (export "sqrt64") (param f64) (result i64) local.get 0 f64.sqrt i64.reinterpret_f64)
    (func (export "neg32") (param i32) (result i32) local.get 0 f32.reinterpret_i32 f32.neg i32.reinterpret_f32)
    (func (export "promote") (param i32) (result i64) local.get 0 f32.reinterpret_i32 f64.promote_f32 i64.reinterpret_f64)
    (func (export "min32") (param i32 f32) (result i32) local.get 0 f32.reinterpret_i32 local.get 1 f32.min i32.reinterpret_f32)
    (func (export "add64") (param f64 f64) (result f64) local.get 0 local.get 1 f64.add))`;
  it('canonicalizes NaN results to the positive canonical NaN and leaves bitwise ops alone', async () => {
    const g = await guest(wat, 'dc-float');
    expect(g.run('div32', 100n, 0, 0)).toMatchObject({ ok: true, value: 0x7fc00000 });
    expect(g.run('sqrt64', 100n, -1)).toMatchObject({ ok: true, value: 0x7ff8000000000000n });
    // neg flips only the sign bit of a NaN payload
    expect(g.run('neg32', 100n, 0x7fa00001)).toMatchObject({ ok: true, value: 0xffa00001 | 0 });
    expect(g.run('promote', 100n, 0xffa00001 | 0)).toMatchObject({
      ok: true,
      value: 0x7ff8000000000000n,
    });
    expect(g.run('min32', 100n, 0xffc00123 | 0, 1)).toMatchObject({ ok: true, value: 0x7fc00000 });
    expect(g.run('add64', 100n, 1.5, 2.25)).toMatchObject({ ok: true, value: 3.75 });
  });
});

describe('instrumenter: errors', () => {
  it('throws WasmProfileError with every violation for a module invalid for the profile', async () => {
    const b = await watToWasm('(module (import "env" "x" (func)) (func (result f32) f32.const 1))');
    let err: unknown;
    try {
      instrumentModule(b, 'dc');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WasmProfileError);
    expect((err as WasmProfileError).violations.map((v) => v.code).sort()).toEqual([
      'profile_float',
      'profile_float',
      'profile_import',
    ]);
    expect(() => instrumentModule(b, 'raw')).toThrow(
      expect.objectContaining({ code: 'WASM_NOT_INSTRUMENTED' }),
    );
  });
});

const corpus = specCorpusForTests();
describe.skipIf(corpus === undefined)('instrumenter on the spec test modules', () => {
  const valid: { name: string; bytes: Uint8Array }[] = [];
  beforeAll(async () => {
    for (const m of specModules(scriptsOfSet(corpus!, 'core'))) {
      if (m.role !== 'module' && m.role !== 'assert_trap') continue;
      try {
        const bytes =
          m.kind === 'binary'
            ? m.bytes!
            : await watToWasm(m.kind === 'quote' ? `(module ${m.text})` : m.text!);
        if (validateModule(bytes, 'raw').ok) valid.push({ name: `${m.file}:${m.line}`, bytes });
      } catch {
        // outside the pinned feature set
      }
    }
  });

  it('instruments every module valid for dc / dc-float into one that V8 and our validator accept', () => {
    const counts = { dc: 0, 'dc-float': 0 };
    for (const { name, bytes } of valid) {
      for (const p of ['dc', 'dc-float'] as const) {
        if (!validateModule(bytes, p).ok) continue;
        const r = instrumentModule(bytes, p);
        expect(v8Validate(r.bytes), `${name} ${p}`).toBe(true);
        expect(validateInstrumented(r.bytes), `${name} ${p}`).toEqual([]);
        counts[p]++;
      }
    }
    expect(counts.dc).toBeGreaterThan(150);
    expect(counts['dc-float']).toBeGreaterThan(300);
  });

  it('behaves as raw on parameterless exports with ample fuel (except NaN bits)', async () => {
    let compared = 0;
    for (const { name, bytes } of valid) {
      if (!validateModule(bytes, 'dc-float').ok) continue;
      let raw: V8Instance;
      try {
        raw = await v8Instantiate(bytes);
      } catch {
        continue;
      }
      const inst = await v8Instantiate(instrumentModule(bytes, 'dc-float').bytes);
      const g = new Guest(inst);
      const { decodeModule } = await import('../binary/decode.js');
      const m = decodeModule(bytes);
      const nImp = m.imports.filter((i) => i.desc.kind === 'func').length;
      for (const e of m.exports) {
        if (e.kind !== 'func') continue;
        const t = m.types[m.funcs[e.index - nImp] ?? -1];
        if (
          t === undefined ||
          t.params.length > 0 ||
          t.results.some((x) => x === 'f32' || x === 'f64')
        )
          continue;
        // Instrumented first: some spec exports loop forever by design (loop.wast cont-inner); only
        // run raw when the instrumented run ended without a fuel or stack trap.
        const got = g.run(e.name, 10n ** 8n);
        if (!got.ok && (got.trap === ICN_TRAP.outOfFuel || got.trap === ICN_TRAP.stackExhausted))
          continue;
        let want: Outcome;
        try {
          want = { ok: true, value: (raw.exports[e.name] as () => unknown)() };
        } catch (x) {
          want = { ok: false, trap: 0, message: (x as Error).message };
        }
        if (want.ok)
          expect(got, `${name} ${e.name}`).toMatchObject({ ok: true, value: want.value });
        else if (!/call stack/.test(want.message))
          expect(got, `${name} ${e.name}`).toMatchObject({
            ok: false,
            trap: 0,
            message: want.message,
          });
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(200);
  });

  it('fuzz: mutated modules either fail validation or instrument into valid modules', () => {
    let instrumented = 0;
    fc.assert(
      fc.property(
        fc.nat(valid.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.constantFrom('dc' as const, 'dc-float' as const),
        (i, muts, p) => {
          const b = valid[i]!.bytes.slice();
          for (const [pos, v] of muts) b[pos % b.length] = v;
          let r;
          try {
            r = instrumentModule(b, p);
          } catch (e) {
            expect(isIcnError(e, 'WASM_PROFILE_VIOLATION')).toBe(true);
            return;
          }
          expect(v8Validate(r.bytes)).toBe(true);
          instrumented++;
        },
      ),
      { numRuns: 3000, seed: 20261122 },
    );
    // Pinned seed: about 3% of random byte mutations still validate, so the count of instrumented
    // modules is a random variable; the bound only guards against a vacuous run.
    expect(instrumented).toBeGreaterThan(50);
  });
});
