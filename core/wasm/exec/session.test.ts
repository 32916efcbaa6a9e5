import { afterAll, describe, expect, it } from 'vitest';
import { watToWasm } from '../wat.js';
import { WasmSession } from './session.js';
import { readExports, type FuncSig } from './exports.js';
import { formatValue, parseValue } from './values.js';

const session = new WasmSession();
afterAll(() => session.close());

async function load(wat: string) {
  const bytes = await watToWasm(wat);
  const r = await session.instantiate(bytes, 'none');
  if (r.inst === undefined) throw new Error(JSON.stringify(r.error));
  const sigs = new Map(readExports(bytes).flatMap((e) => (e.kind === 'func' ? [[e.name, e.sig] as [string, FuncSig]] : [])));
  return { inst: r.inst, sig: (n: string) => sigs.get(n)! };
}

describe('WasmSession: bit-exact calls through the shim', () => {
  it('keeps signaling NaN payloads in and out (f32, f64)', async () => {
    const m = await load(`(module
      (func (export "id32") (param f32) (result f32) local.get 0)
      (func (export "id64") (param f64) (result f64) local.get 0)
      (func (export "neg32") (param f32) (result f32) local.get 0 f32.neg))`);
    const r1 = await session.invoke(m.inst, 'id32', m.sig('id32'), [parseValue('f32:0x7fa00001')]);
    expect(r1.values!.map(formatValue)).toEqual(['f32:0x7fa00001']);
    const r2 = await session.invoke(m.inst, 'id64', m.sig('id64'), [parseValue('f64:0x7ff4000000000001')]);
    expect(r2.values!.map(formatValue)).toEqual(['f64:0x7ff4000000000001']);
    const r3 = await session.invoke(m.inst, 'neg32', m.sig('neg32'), [parseValue('f32:0x7fa00001')]);
    expect(r3.values!.map(formatValue)).toEqual(['f32:0xffa00001']);
  });

  it('passes v128, i64 and multi-value results', async () => {
    const m = await load(`(module
      (func (export "swap") (param v128 i64 i32) (result i32 i64 v128) local.get 2 local.get 1 local.get 0)
      (func (export "add") (param v128 v128) (result v128) local.get 0 local.get 1 i32x4.add))`);
    const v = 'v128:0x000102030405060708090a0b0c0d0e0f';
    const r = await session.invoke(m.inst, 'swap', m.sig('swap'), [parseValue(v), parseValue('i64:-2'), parseValue('i32:-1')]);
    expect(r.values!.map(formatValue)).toEqual(['i32:0xffffffff', 'i64:0xfffffffffffffffe', v]);
    const r2 = await session.invoke(m.inst, 'add', m.sig('add'), [parseValue('v128:0xffffffff000000000000000000000001'), parseValue('v128:0x00000001000000000000000000000001')]);
    expect(r2.values!.map(formatValue)).toEqual(['v128:0x00000000000000000000000000000002']);
  });

  it('reports a trap with V8 message and a native stack overflow as phase range', async () => {
    const m = await load(`(module (func (export "u") unreachable) (func $r (export "r") call $r))`);
    const u = await session.invoke(m.inst, 'u', m.sig('u'), []);
    expect(u.error).toMatchObject({ phase: 'invoke', name: 'RuntimeError', message: 'unreachable' });
    const r = await session.invoke(m.inst, 'r', m.sig('r'), []);
    expect(r.error?.phase).toBe('range');
  });
});
