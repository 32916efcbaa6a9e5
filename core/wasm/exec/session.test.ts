import { afterAll, describe, expect, it } from 'vitest';
import { watToWasm } from '../wat.js';
import { WasmSession } from './session.js';
import { readExports, type FuncSig } from './exports.js';
import { formatValue, parseValue } from './values.js';
import { bytesHash, DOMAIN } from '../../hash/index.js';

const session = new WasmSession();
afterAll(() => session.close());

async function load(wat: string) {
  const bytes = await watToWasm(wat);
  const r = await session.instantiate(bytes, 'none');
  if (r.inst === undefined) throw new Error(JSON.stringify(r.error));
  const sigs = new Map(
    readExports(bytes).flatMap((e) =>
      e.kind === 'func' ? [[e.name, e.sig] as [string, FuncSig]] : [],
    ),
  );
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
    const r2 = await session.invoke(m.inst, 'id64', m.sig('id64'), [
      parseValue('f64:0x7ff4000000000001'),
    ]);
    expect(r2.values!.map(formatValue)).toEqual(['f64:0x7ff4000000000001']);
    const r3 = await session.invoke(m.inst, 'neg32', m.sig('neg32'), [
      parseValue('f32:0x7fa00001'),
    ]);
    expect(r3.values!.map(formatValue)).toEqual(['f32:0xffa00001']);
  });

  it('passes v128, i64 and multi-value results', async () => {
    const m = await load(`(module
      (func (export "swap") (param v128 i64 i32) (result i32 i64 v128) local.get 2 local.get 1 local.get 0)
      (func (export "add") (param v128 v128) (result v128) local.get 0 local.get 1 i32x4.add))`);
    const v = 'v128:0x000102030405060708090a0b0c0d0e0f';
    const r = await session.invoke(m.inst, 'swap', m.sig('swap'), [
      parseValue(v),
      parseValue('i64:-2'),
      parseValue('i32:-1'),
    ]);
    expect(r.values!.map(formatValue)).toEqual(['i32:0xffffffff', 'i64:0xfffffffffffffffe', v]);
    const r2 = await session.invoke(m.inst, 'add', m.sig('add'), [
      parseValue('v128:0xffffffff000000000000000000000001'),
      parseValue('v128:0x00000001000000000000000000000001'),
    ]);
    expect(r2.values!.map(formatValue)).toEqual(['v128:0x00000000000000000000000000000002']);
  });

  it('reports a trap with V8 message and a native stack overflow as phase range', async () => {
    const m = await load(`(module (func (export "u") unreachable) (func $r (export "r") call $r))`);
    const u = await session.invoke(m.inst, 'u', m.sig('u'), []);
    expect(u.error).toMatchObject({
      phase: 'invoke',
      name: 'RuntimeError',
      message: 'unreachable',
    });
    const r = await session.invoke(m.inst, 'r', m.sig('r'), []);
    expect(r.error?.phase).toBe('range');
  });
});

describe('WasmSession: reuse and memory hashing in the worker', () => {
  it('hashes memory in the worker exactly as bytesHash does on a copy', async () => {
    const s = new WasmSession();
    try {
      const bytes = await watToWasm(`(module (memory (export "mem") 2) (data (i32.const 7) "abc")
        (func (export "w") (i32.store8 (i32.const 70000) (i32.const 9))) (func (export "none")))`);
      const r = await s.instantiate(bytes, 'none');
      const sig = readExports(bytes).find((e) => e.name === 'w')!;
      const out = await s.invoke(r.inst!, 'w', (sig as { sig: FuncSig }).sig, [], {
        captureMemory: true,
        hashMemory: DOMAIN.wasmMemory,
      });
      expect(out.memory!.length).toBe(2 * 65536);
      expect(out.memory![70000]).toBe(9);
      expect(out.memoryHash).toBe(bytesHash(DOMAIN.wasmMemory, out.memory!));
      // a module without memory: the hash of no bytes
      const nomem = await watToWasm(`(module (func (export "f")))`);
      const r2 = await s.instantiate(nomem, 'none');
      const out2 = await s.invoke(r2.inst!, 'f', { params: [], results: [] }, [], {
        hashMemory: DOMAIN.wasmMemory,
      });
      expect(out2.memoryHash).toBe(bytesHash(DOMAIN.wasmMemory, new Uint8Array(0)));
    } finally {
      await s.close();
    }
  });

  it('reset forgets instances and registrations but keeps working (shims are sent once)', async () => {
    const s = new WasmSession();
    try {
      const bytes = await watToWasm(
        `(module (global (export "g") i32 (i32.const 5)) (func (export "f") (result i32) (i32.const 3)))`,
      );
      const a = await s.instantiate(bytes, 'none');
      await s.register(a.inst!, 'lib');
      const sig = { params: [], results: ['i32' as const] };
      expect((await s.invoke(a.inst!, 'f', sig, [])).values!.map(formatValue)).toEqual([
        'i32:0x00000003',
      ]);
      await s.reset();
      // instance ids start again at 1, the old instance and the "lib" registration are gone
      await expect(s.invoke(a.inst!, 'f', sig, [])).rejects.toThrow(/no instance/);
      const user = await watToWasm(`(module (import "lib" "g" (global i32)))`);
      expect((await s.instantiate(user, 'registry')).error?.phase).toBe('link');
      const b = await s.instantiate(bytes, 'none');
      expect(b.inst).toBe(1);
      // the shim for ()->i32 was sent before the reset; the worker still has it
      expect((await s.invoke(b.inst!, 'f', sig, [])).values!.map(formatValue)).toEqual([
        'i32:0x00000003',
      ]);
      expect(s.closed).toBe(false);
    } finally {
      await s.close();
    }
    expect(s.closed).toBe(true);
  });
});

describe('WasmSession: requests made in one turn (issue 19)', () => {
  it('go to the worker as one message and are answered in order, memories included', async () => {
    const m = await load(`(module (memory (export "mem") 1)
      (global $n (mut i32) (i32.const 0))
      (func (export "bump") (result i32)
        (global.set $n (i32.add (global.get $n) (i32.const 1)))
        (i32.store (i32.const 0) (global.get $n))
        (global.get $n))
      (func (export "boom") (result i32) unreachable))`);
    const posted: unknown[] = [];
    const worker = (session as unknown as { worker: { postMessage: (m: unknown) => void } }).worker;
    const post = worker.postMessage.bind(worker);
    worker.postMessage = (msg: unknown, ...rest: unknown[]) => {
      posted.push(msg);
      (post as (...a: unknown[]) => void)(msg, ...rest);
    };
    try {
      const calls = [1, 2, 3].map(() =>
        session.invoke(m.inst, 'bump', m.sig('bump'), [], { captureMemory: true }),
      );
      const trap = session.invoke(m.inst, 'boom', m.sig('boom'), []);
      const last = session.invoke(m.inst, 'bump', m.sig('bump'), []);
      const rs = await Promise.all([...calls, trap, last]);
      expect(posted).toHaveLength(1);
      expect((posted[0] as { op: string; msgs: unknown[] }).op).toBe('batch');
      expect(rs.slice(0, 3).map((r) => r.values!.map(formatValue))).toEqual([
        ['i32:0x00000001'],
        ['i32:0x00000002'],
        ['i32:0x00000003'],
      ]);
      expect(rs.slice(0, 3).map((r) => r.memory![0])).toEqual([1, 2, 3]);
      expect(rs[3]!.error?.phase).toBe('invoke');
      expect(rs[4]!.values!.map(formatValue)).toEqual(['i32:0x00000004']);
    } finally {
      worker.postMessage = post;
    }
  });
});
