/**
 * The interpreter as an executor: results, fuel counts, stack depth, traps, host calls. The fuel
 * and stack figures are the ones documented for the instrumenter (docs/deterministic-core.md,
 * instrument.test.ts); here they come from the interpreter's own metering and stack rule.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { isIcnError } from '../../errors.js';
import { COST_TABLE_V1 } from '../cost-table.js';
import { parseValue } from '../exec/values.js';
import { watToWasm } from '../wat.js';
import { interpret, type InterpRequest } from './run.js';

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

let progs: Uint8Array;
beforeAll(async () => {
  progs = await watToWasm(PROGRAMS);
});

function run(
  module: Uint8Array,
  invoke: string,
  args: string[],
  fuel: bigint,
  extra: Partial<InterpRequest> = {},
) {
  return interpret({ module, profile: 'dc', invoke, args: args.map(parseValue), fuel, ...extra })
    .result;
}

describe('interpreter: fuel by its own metering (same figures as the instrumenter)', () => {
  it('1 per operator; exactly enough completes, one less traps with nothing deducted', () => {
    expect(run(progs, 'add', [], 100n)).toMatchObject({
      outcome: 'completed',
      returns: ['i32:0x00000003'],
      fuelUsed: '3',
    });
    expect(run(progs, 'add', [], 3n)).toMatchObject({ outcome: 'completed', fuelUsed: '3' });
    expect(run(progs, 'add', [], 2n)).toMatchObject({
      outcome: 'trapped',
      trap: 'out_of_fuel',
      fuelUsed: '0',
    });
  });

  it('loop: 8 per iteration + the final local.get; the 11th charge fails at 80', () => {
    expect(run(progs, 'loop', ['i32:10'], 1000n)).toMatchObject({
      outcome: 'completed',
      returns: ['i32:0x0000000a'],
      fuelUsed: '81',
    });
    expect(run(progs, 'loop', ['i32:10'], 80n)).toMatchObject({
      outcome: 'trapped',
      trap: 'out_of_fuel',
      fuelUsed: '80',
    });
  });

  it('calls: fib(10) = 1589', () => {
    expect(run(progs, 'fib', ['i32:10'], 10n ** 9n)).toMatchObject({
      returns: ['i32:0x00000037'],
      fuelUsed: '1589',
    });
  });

  it('bulk: base cost, then 1 per byte after the bounds check; out of bounds drains nothing', () => {
    expect(run(progs, 'fill', ['i32:0', 'i32:100'], 1000n)).toMatchObject({
      outcome: 'completed',
      fuelUsed: '104',
    });
    expect(run(progs, 'fill', ['i32:65500', 'i32:100'], 1000n)).toMatchObject({
      outcome: 'trapped',
      trap: 'memory_oob',
      fuelUsed: '4',
    });
    expect(run(progs, 'fill', ['i32:0', 'i32:100'], 103n)).toMatchObject({
      outcome: 'trapped',
      trap: 'out_of_fuel',
      fuelUsed: '4',
    });
    expect(run(progs, 'copy', ['i32:10', 'i32:20', 'i32:30'], 1000n)).toMatchObject({
      fuelUsed: '34',
    });
    expect(run(progs, 'copy', ['i32:10', 'i32:65530', 'i32:30'], 1000n)).toMatchObject({
      trap: 'memory_oob',
      fuelUsed: '4',
    });
  });

  it('a trap is charged up to and including the trapping operator', () => {
    expect(run(progs, 'div', ['i32:1', 'i32:0'], 1000n)).toMatchObject({
      outcome: 'trapped',
      trap: 'div_by_zero',
      fuelUsed: '3',
    });
    expect(run(progs, 'div', ['i32:6', 'i32:3'], 1000n)).toMatchObject({
      returns: ['i32:0x00000002'],
      fuelUsed: '3',
    });
  });

  it('early return', () => {
    expect(run(progs, 'early', ['i32:1'], 100n)).toMatchObject({ returns: ['i32:0x00000007'] });
    expect(run(progs, 'early', ['i32:0'], 100n)).toMatchObject({ returns: ['i32:0x00000009'] });
  });

  it('a different cost table gives different counts (the table is an input, not a constant)', () => {
    const t = { ...COST_TABLE_V1, costs: { ...COST_TABLE_V1.costs, 'i32.add': 5 } };
    expect(run(progs, 'add', [], 100n, { costTable: t })).toMatchObject({ fuelUsed: '7' });
  });
});

describe('interpreter: stack, memory', () => {
  it('stack_exhausted at floor(65536 / 11) = 5957 frames, 4 fuel each', () => {
    expect(run(progs, 'rec', ['i32:0'], 10n ** 12n)).toMatchObject({
      outcome: 'trapped',
      trap: 'stack_exhausted',
      fuelUsed: String(5957 * 4),
    });
  });

  it('memory capped at 2048 pages', async () => {
    expect(run(progs, 'grow', ['i32:1'], 100n)).toMatchObject({ returns: ['i32:0x00000001'] });
    expect(run(progs, 'grow', ['i32:2048'], 100n)).toMatchObject({ returns: ['i32:0xffffffff'] });
    const big = await watToWasm(
      '(module (memory 1 65536) (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))',
    );
    expect(run(big, 'grow', ['i32:2048'], 100n)).toMatchObject({ returns: ['i32:0xffffffff'] });
  });

  it('the memory hash covers memory 0 after the call', () => {
    const a = run(progs, 'fill', ['i32:0', 'i32:100'], 1000n);
    const b = run(progs, 'fill', ['i32:1', 'i32:100'], 1000n);
    expect(a.memoryHash).not.toBe(b.memoryHash);
    expect(run(progs, 'fill', ['i32:0', 'i32:100'], 1000n).outputHash).toBe(a.outputHash);
  });
});

describe('interpreter: host imports and trace', () => {
  const HOST = `(module (import "icn" "log" (func $log (param i32 i32))) (import "icn" "timestamp" (func $ts (result i64)))
    (import "icn" "entropy_seed" (func $seed (param i32))) (memory 1) (data (i32.const 0) "hello")
    (func (export "go") (result i64) (call $log (i32.const 0) (i32.const 5)) (call $seed (i32.const 64)) (call $ts))
    (func (export "bad") (call $log (i32.const 65535) (i32.const 2))))`;
  it('records icn.log / entropy_seed / timestamp and returns created_at', async () => {
    const b = await watToWasm(HOST);
    const r = interpret({
      module: b,
      profile: 'dc',
      invoke: 'go',
      args: [],
      createdAt: 1234n,
      trace: true,
    });
    expect(r.result).toMatchObject({ outcome: 'completed', returns: ['i64:0x00000000000004d2'] });
    const r2 = interpret({ module: b, profile: 'dc', invoke: 'go', args: [], createdAt: 1235n });
    expect(r2.result.hostCallsHash).not.toBe(r.result.hostCallsHash);
    expect(
      r.trace!.filter((e) => e.ev === 'call').map((e) => (e as { func: unknown }).func),
    ).toEqual([3, 'icn.log', 'icn.entropy_seed', 'icn.timestamp']);
    expect(
      r
        .trace!.filter((e) => e.ev === 'charge')
        .reduce((n, e) => n + (e as { amount: number }).amount, 0),
    ).toBe(Number(r.result.fuelUsed));
  });
  it('a host call out of bounds is host_error', async () => {
    const b = await watToWasm(HOST);
    expect(interpret({ module: b, profile: 'dc', invoke: 'bad', args: [] }).result).toMatchObject({
      outcome: 'trapped',
      trap: 'host_error',
    });
  });
});

describe('interpreter: control flow and tables', () => {
  const CF = `(module (type $ii (func (param i32) (result i32))) (table 4 funcref) (elem (i32.const 0) $sq $neg)
    (func $sq (type $ii) (i32.mul (local.get 0) (local.get 0)))
    (func $neg (type $ii) (i32.sub (i32.const 0) (local.get 0)))
    (func $other (param i64) (result i64) local.get 0)
    (func (export "ind") (param i32 i32) (result i32) (call_indirect (type $ii) (local.get 1) (local.get 0)))
    (func (export "bt") (param i32) (result i32)
      (block $c (block $b (block $a (br_table $a $b $c (local.get 0))) (return (i32.const 10))) (return (i32.const 11))) (i32.const 12))
    (func (export "bt_ret") (param i32) (result i32) (i32.const 99) (br_table 0 0 (local.get 0)))
    (func (export "multi") (result i32 i64) (block (result i32 i64) (i32.const 1) (i64.const 2)))
    (func (export "loopsum") (param i32) (result i32) (local i32)
      (block $done (loop $l (br_if $done (i32.eqz (local.get 0)))
        (local.set 1 (i32.add (local.get 1) (local.get 0))) (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br $l)))
      (local.get 1)))`;
  let b: Uint8Array;
  beforeAll(async () => {
    b = await watToWasm(CF);
  });
  it('call_indirect: call, null entry, out of table, signature mismatch', () => {
    expect(run(b, 'ind', ['i32:0', 'i32:7'], 1000n).returns).toEqual(['i32:0x00000031']);
    expect(run(b, 'ind', ['i32:1', 'i32:7'], 1000n).returns).toEqual(['i32:0xfffffff9']);
    expect(run(b, 'ind', ['i32:2', 'i32:7'], 1000n)).toMatchObject({
      trap: 'indirect_call_mismatch',
    });
    expect(run(b, 'ind', ['i32:4', 'i32:7'], 1000n)).toMatchObject({ trap: 'table_oob' });
  });
  it('br_table to blocks and to the function; multi-value blocks; loops', () => {
    expect(
      ['0', '1', '2', '3', '100'].map((i) => run(b, 'bt', [`i32:${i}`], 1000n).returns[0]),
    ).toEqual([
      'i32:0x0000000a',
      'i32:0x0000000b',
      'i32:0x0000000c',
      'i32:0x0000000c',
      'i32:0x0000000c',
    ]);
    expect(run(b, 'bt_ret', ['i32:5'], 1000n).returns).toEqual(['i32:0x00000063']);
    expect(run(b, 'multi', [], 1000n).returns).toEqual([
      'i32:0x00000001',
      'i64:0x0000000000000002',
    ]);
    expect(run(b, 'loopsum', ['i32:100'], 10_000n).returns).toEqual(['i32:0x000013ba']);
  });
  it('bad input: unknown export, wrong arguments, rejected module', async () => {
    expect(() => run(b, 'nope', [], 1n)).toThrow(expect.objectContaining({ code: 'WASM_EXPORT' }));
    expect(() => run(b, 'ind', ['i32:1'], 1n)).toThrow(
      expect.objectContaining({ code: 'WASM_ARGS' }),
    );
    const f = await watToWasm('(module (func (export "f") (result f32) f32.const 1))');
    let err: unknown;
    try {
      run(f, 'f', [], 1n);
    } catch (e) {
      err = e;
    }
    expect(isIcnError(err, 'WASM_REJECTED')).toBe(true);
    expect(
      interpret({ module: f, profile: 'dc-float', invoke: 'f', args: [] }).result.returns,
    ).toEqual(['f32:0x3f800000']);
  });
});
