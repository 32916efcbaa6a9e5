import { describe, expect, it } from 'vitest';
import { isIcnError } from '../errors.js';
import { watToWasm } from './wat.js';
import { v8Instantiate, v8Validate } from './instrument/v8.js';

describe('watToWasm', () => {
  it('compiles a module that V8 accepts and runs', async () => {
    const b = await watToWasm(
      '(module (func (export "f") (result i32) i32.const 41 i32.const 1 i32.add))',
    );
    expect(Array.from(b.slice(0, 8))).toEqual([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    const instance = await v8Instantiate(b);
    expect((instance.exports.f as () => number)()).toBe(42);
  });

  it('reports a type error as WAT_PARSE with wabt position, unless validate is false', async () => {
    const bad = '(module (func (result i32)))';
    await expect(watToWasm(bad, { filename: 'x.wat' })).rejects.toSatisfy(
      (e: unknown) => isIcnError(e, 'WAT_PARSE') && /x\.wat:1:15/.test((e as Error).message),
    );
    const b = await watToWasm(bad, { validate: false });
    expect(v8Validate(b)).toBe(false);
  });

  it('reports syntax errors as WAT_PARSE', async () => {
    await expect(watToWasm('(module (oops))')).rejects.toSatisfy((e: unknown) =>
      isIcnError(e, 'WAT_PARSE'),
    );
  });

  it('rejects unknown (camelCase) feature keys instead of ignoring them', async () => {
    await expect(
      watToWasm('(module)', { features: { relaxedSimd: true } as never }),
    ).rejects.toSatisfy((e: unknown) => isIcnError(e, 'WAT_FEATURE'));
  });

  it('lets features be switched off', async () => {
    const simd = '(module (func (result v128) v128.const i32x4 0 0 0 0))';
    expect((await watToWasm(simd)).length).toBeGreaterThan(8);
    await expect(watToWasm(simd, { features: { simd: false } })).rejects.toSatisfy((e: unknown) =>
      isIcnError(e, 'WAT_PARSE'),
    );
  });
});
