/**
 * The operator table and the opcode names: every name of opcode-names.ts is the key
 * core/wasm/binary/opcodes.ts gives the same instruction, and every numeric, comparison,
 * conversion, load and store operator of the interpreter's feature set has its one definition in
 * ops.ts (the run loop and the JS tier have no other).
 */
import { describe, expect, it } from 'vitest';
import { allOps } from '../binary/opcodes.js';
import { applyOp } from './generic.js';
import * as names from './opcode-names.js';
import { allOperators, operator } from './ops.js';

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
