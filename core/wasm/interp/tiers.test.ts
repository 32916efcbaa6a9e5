/**
 * The two execution tiers of the interpreter (machine.ts's run loop and jit.ts's JS translation)
 * must give the same WasmResult, field for field, on every program: returns, trap, fuelUsed,
 * memory and host-call hashes. The differential fuzzer compares the default tier (JS) with V8;
 * this compares the tiers with each other, on programs chosen to hit what the translation does
 * differently: branches carrying values, br_table, dead code, multi-value, calls crossing into the
 * loop when deep, traps after partial side effects, fuel running out mid-loop, bulk operators.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseValue } from '../exec/values.js';
import { watToWasm } from '../wat.js';
import { JS_TIER_WEIGHT } from './jit.js';
import { interpret, type InterpRequest } from './run.js';

const WAT = `(module
  (import "icn" "log" (func $log (param i32 i32)))
  (type $ii (func (param i32) (result i32)))
  (memory 1 4) (data (i32.const 16) "abcdefgh")
  (table 4 funcref) (elem (i32.const 0) $sq $neg)
  (global $g (mut i64) (i64.const -5))
  (global $gf (mut f64) (f64.const 0))
  (func $sq (type $ii) (i32.mul (local.get 0) (local.get 0)))
  (func $neg (type $ii) (i32.sub (i32.const 0) (local.get 0)))
  (func $rec (export "rec") (param i32) (result i32) local.get 0 i32.const 1 i32.add call $rec)
  (func $tiny (export "tiny") call $tiny)
  (func $fat (export "fat") ${'(i32.store (i32.const 0) (i32.load (i32.const 4))) '.repeat(200)} call $fat)
  (func $depth (export "depth") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $depth (i32.sub (local.get 0) (i32.const 1)))))))
  (func (export "ind") (param i32 i32) (result i32) (call_indirect (type $ii) (local.get 1) (local.get 0)))
  (func (export "bt") (param i32) (result i32)
    (block $c (result i32) (block $b (result i32) (block $a (result i32)
      (i32.const 100) (local.get 0) (br_table $a $b $c 0)) (return (i32.add (i32.const 10))))
      (return (i32.add (i32.const 20)))) (i32.add (i32.const 30)))
  (func (export "multi") (param i32) (result i32 i64)
    (local.get 0) (block (param i32) (result i32 i64) (i64.const 7) (br_if 0 (local.get 0)) (drop) (i64.const 9)))
  (func (export "dead") (param i32) (result i32)
    (block (result i32) (br 0 (local.get 0)) (i32.const 1) (i32.add) (block (loop (br 0))) (unreachable)))
  (func (export "mix") (param i32 i64) (result i64) (local i32 i64)
    (local.set 2 (local.get 0))
    (loop $l
      (local.set 3 (i64.add (i64.mul (local.get 3) (i64.const 6364136223846793005)) (i64.extend_i32_u (local.get 2))))
      (global.set $g (i64.rotl (i64.xor (global.get $g) (local.get 3)) (local.get 1)))
      (i64.store (i32.and (local.get 2) (i32.const 1016)) (global.get $g))
      (local.set 2 (i32.sub (local.get 2) (i32.const 1)))
      (br_if $l (i32.gt_s (local.get 2) (i32.const 0))))
    (i64.add (global.get $g) (i64.load (i32.const 8))))
  (func (export "oob") (param i32) (result i32)
    (i32.store (i32.const 0) (i32.const 42)) (i32.load (local.get 0)))
  (func (export "straight") (param i32 i32 i32) (result i32)
    (i32.store (i32.const 8) (i32.add (i32.load (local.get 0)) (i32.const 1)))
    (i32.store8 (local.get 1) (i32.const 7))
    (i32.div_u (i32.load (i32.const 8)) (local.get 2)))
  (func $growrec (export "growrec") (param i32) (result i32)
    (drop (memory.grow (i32.const 2)))
    (i32.store (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)) (local.get 0))
    (i32.add (call $growrec (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func (export "rot") (param i64 i64) (result i64 i64 i64 i64)
    (i64.rotl (local.get 0) (local.get 1)) (i64.rotr (local.get 0) (local.get 1))
    (i64.shr_u (local.get 0) (local.get 1)) (i64.mul (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "bulk") (param i32 i32 i32)
    (memory.fill (local.get 0) (i32.const 9) (local.get 2))
    (memory.copy (local.get 1) (local.get 0) (local.get 2))
    (call $log (local.get 1) (i32.const 8)))
  (func (export "grow") (param i32) (result i32)
    (drop (memory.grow (local.get 0))) (i32.store (i32.const 70000) (i32.const 1)) (memory.size))
  (func (export "defaults") (result f32 f64 i64 i32) (local f32 f64 i64 i32)
    (f32.max (local.get 0) (f32.const -1)) (f64.max (local.get 1) (f64.const -1)) (local.get 2) (local.get 3))
  (func (export "fmix") (param f32 f64) (result f32 f64 i32)
    (f32.store (i32.const 32) (f32.neg (local.get 0))) (f64.store (i32.const 40) (f64.copysign (local.get 1) (f64.const -0)))
    (global.set $gf (f64.abs (f64.load (i32.const 40))))
    (f32.min (f32.load (i32.const 32)) (f32.demote_f64 (global.get $gf)))
    (f64.nearest (f64.reinterpret_i64 (i64.load (i32.const 40))))
    (f64.ne (f64.promote_f32 (local.get 0)) (local.get 1)))
  (func (export "flt") (param f64 f32) (result f64)
    (f64.add (f64.mul (local.get 0) (f64.promote_f32 (local.get 1))) (f64.sqrt (local.get 0)))))`;

let mod: Uint8Array;
beforeAll(async () => {
  mod = await watToWasm(WAT);
});

function both(invoke: string, args: string[], fuel: bigint, extra: Partial<InterpRequest> = {}) {
  const req: InterpRequest = {
    module: mod,
    profile: 'dc-float',
    invoke,
    args: args.map(parseValue),
    fuel,
    ...extra,
  };
  const js = interpret({ ...req, tier: 'js' }).result;
  const loop = interpret({ ...req, tier: 'loop' }).result;
  return { js, loop };
}

describe('interpreter tiers: JS translation and run loop agree on every field', () => {
  const cases: [string, string[]][] = [
    ['rec', ['i32:0']],
    ['tiny', []],
    ['depth', ['i32:100']],
    ['depth', ['i32:3000']],
    ['ind', ['i32:0', 'i32:7']],
    ['ind', ['i32:1', 'i32:7']],
    ['ind', ['i32:2', 'i32:7']],
    ['ind', ['i32:9', 'i32:7']],
    ['bt', ['i32:0']],
    ['bt', ['i32:1']],
    ['bt', ['i32:2']],
    ['bt', ['i32:-1']],
    ['multi', ['i32:0']],
    ['multi', ['i32:1']],
    ['dead', ['i32:5']],
    ['mix', ['i32:300', 'i64:13']],
    ['oob', ['i32:65533']],
    ['oob', ['i32:4']],
    ['div', ['i32:-2147483648', 'i32:-1']],
    ['div', ['i32:7', 'i32:0']],
    ['div', ['i32:-7', 'i32:2']],
    ['bulk', ['i32:100', 'i32:200', 'i32:50']],
    ['bulk', ['i32:65530', 'i32:0', 'i32:50']],
    ['grow', ['i32:1']],
    ['grow', ['i32:0']],
    ['grow', ['i32:9']],
    ['defaults', []],
    ['fmix', ['f32:0x7fa00001', 'f64:0x7ff4000000000001']],
    ['fmix', ['f32:0xbf800000', 'f64:0x4004000000000000']],
    ['fmix', ['f32:0x80000000', 'f64:0xfff0000000000000']],
    ['fmix', ['f32:0xff800001', 'f64:0x0000000000000001']],
    ['flt', ['f64:0x7ff4000000000001', 'f32:0x3f800000']],
    ['flt', ['f64:0x4000000000000000', 'f32:0xffc00001']],
  ];
  it.each(cases)('%s(%s)', (name, args) => {
    const { js, loop } = both(name, args, 10n ** 12n);
    expect(js).toEqual(loop);
  });

  it('deep recursion crosses from the JS tier into the loop and stops at the same frame', () => {
    // the JS tier nests until JS_TIER_WEIGHT (at least 17 a frame), the loop runs the rest up to 65,536 slots
    expect(5957 * 17).toBeGreaterThan(JS_TIER_WEIGHT);
    const { js } = both('rec', ['i32:0'], 10n ** 12n);
    expect(js).toMatchObject({
      outcome: 'trapped',
      trap: 'stack_exhausted',
      fuelUsed: String(5957 * 4),
    });
    expect(both('tiny', [], 10n ** 12n).js).toMatchObject({
      trap: 'stack_exhausted',
      fuelUsed: String(8192),
    });
    expect(both('depth', ['i32:3000'], 10n ** 12n).js.returns).toEqual(['i32:0x00000bb8']);
    // a long body with few slots: its native frame is far larger than its logical one
    const fat = both('fat', [], 10n ** 12n);
    expect(fat.js).toEqual(fat.loop);
    expect(fat.js).toMatchObject({ trap: 'stack_exhausted', fuelUsed: String(6553 * 801) });
  });

  it('a recursion that grows memory in every frame: grows up to the cap, then exhausts the stack (found by the fuzzer: frames kept old buffers alive, and growth copied O(size²))', () => {
    const r = both('growrec', ['i32:0'], 100_000n);
    expect(r.js).toEqual(r.loop);
    expect(r.js).toMatchObject({ outcome: 'trapped', trap: 'stack_exhausted' });
  });

  it('inline i64 operators (rotl, rotr, shr_u, mul) equal numeric.ts on random and edge bits', () => {
    const edge = fc.constantFrom(
      0n,
      1n,
      63n,
      64n,
      65n,
      127n,
      (1n << 63n) - 1n,
      1n << 63n,
      (1n << 64n) - 1n,
      0x8000000000000001n,
    );
    const u64 = fc.oneof(edge, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }));
    fc.assert(
      fc.property(u64, u64, (a, b) => {
        const r = both('rot', [`i64:0x${a.toString(16)}`, `i64:0x${b.toString(16)}`], 100n);
        expect(r.js).toEqual(r.loop);
      }),
      { numRuns: 300 },
    );
  });

  it('every fuel limit: out_of_fuel at the same point with the same side effects', () => {
    const full = both('mix', ['i32:40', 'i64:7'], 10n ** 9n).js;
    const used = Number(full.fuelUsed);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: used }), (fuel) => {
        const r = both('mix', ['i32:40', 'i64:7'], BigInt(fuel));
        expect(r.js).toEqual(r.loop);
      }),
      { numRuns: 150 },
    );
    for (const args of [
      ['i32:0', 'i32:4', 'i32:3'],
      ['i32:65535', 'i32:4', 'i32:3'],
      ['i32:0', 'i32:65536', 'i32:3'],
      ['i32:0', 'i32:4', 'i32:0'],
    ]) {
      for (let fuel = 0n; fuel <= 20n; fuel++) {
        const r = both('straight', args, fuel);
        expect(r.js).toEqual(r.loop);
      }
    }
    for (const fuel of [0n, 1n, 5n, 20n, 100n]) {
      const r = both('depth', ['i32:50'], fuel);
      expect(r.js).toEqual(r.loop);
      const b = both('bulk', ['i32:100', 'i32:200', 'i32:50'], fuel * 3n);
      expect(b.js).toEqual(b.loop);
    }
  });
});
