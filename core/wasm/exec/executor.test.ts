import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { isIcnError } from '../../errors.js';
import { bytesHash, contentHash, DOMAIN } from '../../hash/index.js';
import { toHex } from '../../hash/index.js';
import { profileHash } from '../profiles.js';
import { TRAPS } from '../traps.js';
import { watToWasm } from '../wat.js';
import { entropySeed, execute } from './executor.js';
import { WasmRejected } from './profile.js';
import { isProfileRule } from '../errors.js';
import { WasmSession } from './session.js';
import { parseValue, parseValueList } from './values.js';

const session = new WasmSession();
afterAll(() => session.close());

const MOD = watToWasm(`(module
  (import "icn" "log" (func $log (param i32 i32)))
  (import "icn" "timestamp" (func $ts (result i64)))
  (import "icn" "entropy_seed" (func $seed (param i32)))
  (type $t (func (result i32)))
  (memory 20)
  (table 4 funcref)
  (elem (i32.const 0) $one $two)
  (data (i32.const 0) "hello")
  (func $one (result i32) (i32.const 1))
  (func $two (param i32) (result i32) (local.get 0))
  (func (export "host") (result i64)
    (call $log (i32.const 0) (i32.const 5))
    (call $seed (i32.const 16))
    (call $ts))
  (func (export "log_oob") (call $log (i32.const 1310715) (i32.const 10)))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1))) (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $deep (export "deep") (param i32)
    ;; records the depth reached at address 100, then recurses without end
    (i32.store (i32.const 100) (local.get 0))
    (call $deep (i32.add (local.get 0) (i32.const 1))))
  (func (export "unreachable") unreachable)
  (func (export "oob") (result i32) (i32.load (i32.const 1310720)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "rem") (param i32 i32) (result i32) (i32.rem_u (local.get 0) (local.get 1)))
  (func (export "sig") (result i32) (call_indirect (type $t) (i32.const 1)))
  (func (export "null") (result i32) (call_indirect (type $t) (i32.const 2)))
  (func (export "toob") (result i32) (call_indirect (type $t) (i32.const 9)))
  (func (export "fill") (param i32) (memory.fill (i32.const 0) (i32.const 0) (local.get 0))))`);

const FLOAT = watToWasm(`(module
  (func (export "nan") (result f32) (f32.div (f32.const 0) (f32.const 0)))
  (func (export "nan64") (result f64) (f64.div (f64.const 0) (f64.const 0)))
  (func (export "conv") (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))
  (func (export "neg") (param f32) (result f32) (f32.neg (local.get 0))))`);

const run = async (
  invoke: string,
  args = '',
  profile: 'raw' | 'dc' | 'dc-float' = 'dc',
  fuel?: bigint,
  module?: Uint8Array,
) =>
  execute({
    module: module ?? (await MOD),
    profile,
    invoke,
    args: parseValueList(args),
    fuel,
    session,
  });

describe('executor: traps map to the enum, never V8 text', () => {
  const cases: [string, string, string][] = [
    ['unreachable', '', 'unreachable'],
    ['oob', '', 'memory_oob'],
    ['div', 'i32:1,i32:0', 'div_by_zero'],
    ['rem', 'i32:1,i32:0', 'div_by_zero'],
    ['div', 'i32:0x80000000,i32:-1', 'int_overflow'],
    ['sig', '', 'indirect_call_mismatch'],
    ['null', '', 'indirect_call_mismatch'],
    ['toob', '', 'table_oob'],
    ['log_oob', '', 'host_error'],
    ['fill', 'i32:0x100001', 'bulk_limit'],
    ['deep', 'i32:0', 'stack_exhausted'],
  ];
  for (const [fn, args, trap] of cases) {
    it(`${fn}(${args}) → ${trap}`, async () => {
      const r = await run(fn, args);
      expect(r).toMatchObject({ outcome: 'trapped', trap, returns: [] });
      expect(TRAPS).toContain(r.trap);
      expect(JSON.stringify(r)).not.toMatch(/RuntimeError|divide|out of bounds/);
    });
  }
  it('trapping conversions under dc-float: NaN is invalid_conversion, out of range int_overflow', async () => {
    const r = await run('conv', 'f32:0x7fc00000', 'dc-float', undefined, await FLOAT);
    expect(r.trap).toBe('invalid_conversion');
    const o = await run('conv', 'f32:0x7f800000', 'dc-float', undefined, await FLOAT);
    expect(o.trap).toBe('int_overflow');
  });
  it('raw maps the same V8 traps (and is unmetered)', async () => {
    const r = await run('div', 'i32:1,i32:0', 'raw');
    expect(r).toMatchObject({
      outcome: 'trapped',
      trap: 'div_by_zero',
      fuelUsed: '0',
      profileHash: profileHash('raw'),
    });
  });
});

describe('executor: result form and hashes', () => {
  it('outputHash covers the whole result; profileHash is the profile manifest hash', async () => {
    const r = await run('fib', 'i32:10');
    expect(r.outcome).toBe('completed');
    expect(r.returns).toEqual(['i32:0x00000037']);
    expect(r.profileHash).toBe(profileHash('dc'));
    const { outputHash, ...body } = r;
    expect(outputHash).toBe(contentHash(DOMAIN.wasmResult, body));
    expect(r.memoryHash).not.toBe(bytesHash(DOMAIN.wasmMemory, new Uint8Array(0)));
  });
  it('is deterministic: the same task twice gives the same result, in a fresh session too', async () => {
    const a = await run('fib', 'i32:15');
    const b = await run('fib', 'i32:15');
    const c = await execute({
      module: await MOD,
      profile: 'dc',
      invoke: 'fib',
      args: [parseValue('i32:15')],
    });
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });
  it('records host calls (name, args, result, data) in order and hashes them', async () => {
    const mod = await MOD;
    const r = await execute({
      module: mod,
      profile: 'dc',
      invoke: 'host',
      args: [],
      createdAt: 1_700_000_000n,
      session,
    });
    expect(r.returns).toEqual(['i64:0x000000006553f100']);
    const seed = entropySeed(mod, 'host', [], 1_700_000_000n);
    const calls = [
      {
        name: 'icn.log',
        args: ['i32:0x00000000', 'i32:0x00000005'],
        result: null,
        data: '68656c6c6f',
      },
      { name: 'icn.entropy_seed', args: ['i32:0x00000010'], result: null, data: toHex(seed) },
      { name: 'icn.timestamp', args: [], result: 'i64:0x000000006553f100' },
    ];
    expect(r.hostCallsHash).toBe(contentHash(DOMAIN.wasmHostCalls, calls));
    const other = await execute({
      module: mod,
      profile: 'dc',
      invoke: 'host',
      args: [],
      createdAt: 1n,
      session,
    });
    expect(other.hostCallsHash).not.toBe(r.hostCallsHash);
    expect(other.memoryHash).not.toBe(r.memoryHash); // the entropy seed depends on created_at
  });
  it('dc-float canonicalizes NaN results; raw shows V8 bits; bitwise neg is untouched', async () => {
    const f = await FLOAT;
    expect((await run('nan', '', 'dc-float', undefined, f)).returns).toEqual(['f32:0x7fc00000']);
    expect((await run('nan64', '', 'dc-float', undefined, f)).returns).toEqual([
      'f64:0x7ff8000000000000',
    ]);
    const raw = (await run('nan', '', 'raw', undefined, f)).returns[0]!;
    expect(['f32:0x7fc00000', 'f32:0xffc00000']).toContain(raw);
    expect((await run('neg', 'f32:0x7fa00001', 'dc-float', undefined, f)).returns).toEqual([
      'f32:0xffa00001',
    ]);
  });
});

describe('executor: fuel', () => {
  it('pins exact counts under cost table v1', async () => {
    expect((await run('fib', 'i32:10')).fuelUsed).toBe('1589');
    expect((await run('fib', 'i32:20')).fuelUsed).toBe('197015');
    expect((await run('div', 'i32:7,i32:2')).fuelUsed).toBe('3');
  });
  it('out_of_fuel: never deducted when short, fuelUsed = what was charged before the failing charge', async () => {
    const need = BigInt((await run('fib', 'i32:10')).fuelUsed);
    const full = await run('fib', 'i32:10', 'dc', need);
    expect(full).toMatchObject({ outcome: 'completed', fuelUsed: need.toString() });
    const short = await run('fib', 'i32:10', 'dc', need - 1n);
    expect(short.outcome).toBe('trapped');
    expect(short.trap).toBe('out_of_fuel');
    expect(BigInt(short.fuelUsed) <= need - 1n).toBe(true);
    expect((await run('fib', 'i32:10', 'dc', 0n)).fuelUsed).toBe('0');
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: 0n, max: need + 10n }), async (limit) => {
        const r = await run('fib', 'i32:10', 'dc', limit);
        if (limit >= need)
          expect(r).toMatchObject({ outcome: 'completed', fuelUsed: need.toString() });
        else {
          expect(r).toMatchObject({ outcome: 'trapped', trap: 'out_of_fuel' });
          // the charge that failed was larger than what was left: used + that charge > limit
          expect(BigInt(r.fuelUsed) <= limit).toBe(true);
          expect(BigInt(r.fuelUsed) > limit - 64n).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('executor: faults and rejections are never results', () => {
  it('a native stack overflow under raw is the guest trap stack_exhausted (raw has no logical limit)', async () => {
    const r = await run('deep', 'i32:0', 'raw');
    expect([r.outcome, r.trap]).toEqual(['trapped', 'stack_exhausted']);
  });
  it('a worker that does not answer is a fault, not a trap', async () => {
    const loop = await watToWasm('(module (func (export "spin") (loop (br 0))))');
    const s = new WasmSession({ timeoutMs: 300 });
    const e = await execute({
      module: loop,
      profile: 'raw',
      invoke: 'spin',
      args: [],
      session: s,
    }).catch((x: unknown) => x);
    expect(isIcnError(e, 'HARNESS_FAULT')).toBe(true);
    await s.close();
  });
  it('a module outside the profile is rejected with every violation', async () => {
    const e = await run('nan', '', 'dc', undefined, await FLOAT).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(WasmRejected);
    expect((e as WasmRejected).violations.length).toBeGreaterThan(1);
    expect((e as WasmRejected).violations.every((v) => isProfileRule(v.code))).toBe(true);
  });
  it('bad calls are usage errors', async () => {
    await expect(run('nope')).rejects.toMatchObject({ code: 'WASM_EXPORT' });
    await expect(run('div', 'i32:1')).rejects.toMatchObject({ code: 'WASM_ARGS' });
    await expect(run('div', 'i32:1,i64:2')).rejects.toMatchObject({ code: 'WASM_ARGS' });
  });
});
