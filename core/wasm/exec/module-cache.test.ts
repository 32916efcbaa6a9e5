import { afterAll, describe, expect, it } from 'vitest';
import { watToWasm } from '../wat.js';
import { execute } from './executor.js';
import {
  clearModuleCache,
  loadModule,
  moduleCacheStats,
  MODULE_CACHE_SIZE,
} from './module-cache.js';
import { prepare, WasmRejected } from './profile.js';
import { WasmSession } from './session.js';

const session = new WasmSession();
afterAll(() => session.close());

const WAT = `(module (memory (export "m") 1)
  (func (export "sum") (param i32) (result i32) (local i32)
    (block (loop (br_if 1 (i32.eqz (local.get 0)))
      (local.set 1 (i32.add (local.get 1) (local.get 0)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br 0)))
    (i32.store (i32.const 0) (local.get 1)) (local.get 1)))`;

describe('executor module cache', () => {
  it('prepares a module once per (module, profile): the second execute is a hit with the same result', async () => {
    clearModuleCache();
    const bytes = await watToWasm(WAT);
    const before = moduleCacheStats();
    const req = {
      module: bytes,
      profile: 'dc' as const,
      invoke: 'sum',
      args: [{ type: 'i32' as const, bits: 10n }],
      session,
    };
    const a = await execute(req);
    const b = await execute({ ...req, module: Uint8Array.from(bytes) });
    expect(b).toEqual(a);
    expect(a.returns).toEqual(['i32:0x00000037']);
    expect(moduleCacheStats()).toMatchObject({ misses: before.misses + 1, hits: before.hits + 1 });
    // another profile is another entry, with that profile's instrumentation
    await execute({ ...req, profile: 'raw' });
    expect(moduleCacheStats().misses).toBe(before.misses + 2);
    expect(loadModule(bytes, 'dc').prepared.bytes).toEqual(prepare(bytes, 'dc').bytes);
  });

  it('keeps its own copy: a caller that reuses its buffer cannot change a cached module', async () => {
    clearModuleCache();
    const bytes = await watToWasm(WAT);
    const original = Uint8Array.from(bytes);
    const raw = loadModule(bytes, 'raw');
    bytes.fill(0);
    expect(raw.prepared.bytes).toEqual(original);
    expect(loadModule(original, 'raw')).toBe(raw);
  });

  it('caches a rejection too, and drops the oldest entries beyond its size', async () => {
    clearModuleCache();
    const floats = await watToWasm(`(module (func (export "f") (result f32) (f32.const 1)))`);
    const first = (() => {
      try {
        loadModule(floats, 'dc');
      } catch (e) {
        return e;
      }
    })();
    expect(first).toBeInstanceOf(WasmRejected);
    const hits = moduleCacheStats().hits;
    expect(() => loadModule(floats, 'dc')).toThrow(first as Error);
    expect(moduleCacheStats().hits).toBe(hits + 1);
    for (let i = 0; i <= MODULE_CACHE_SIZE; i++)
      loadModule(await watToWasm(`(module (func (export "f${i}")))`), 'raw');
    expect(moduleCacheStats().size).toBe(MODULE_CACHE_SIZE);
    const misses = moduleCacheStats().misses;
    expect(() => loadModule(floats, 'dc')).toThrow(WasmRejected); // the oldest entry was dropped
    expect(moduleCacheStats().misses).toBe(misses + 1);
  });
});
