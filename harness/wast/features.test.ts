/** Proposals beyond the pinned feature set, read from module binaries; and how skips are named. */
import { describe, expect, it } from 'vitest';
import { watToWasm } from '../../core/wasm/wat.js';
import { featuresOf } from './features.js';
import { classifyRejection } from './skip-reasons.js';

const wasm = (text: string, features: Record<string, boolean> = {}) => watToWasm(text, { validate: false, features });

describe('featuresOf', () => {
  it('names the proposal a module needs, from the bytes', async () => {
    expect(featuresOf(await wasm('(module (memory 1) (memory 1))', { multi_memory: true }))).toEqual(['multi-memory']);
    expect(featuresOf(await wasm('(module (memory (import "m" "a") 1) (memory 1))', { multi_memory: true }))).toEqual(['multi-memory']);
    expect(featuresOf(await wasm('(module (tag))', { exceptions: true }))).toEqual(['exception-handling']);
    expect(featuresOf(await wasm('(module (func (return_call 0)))', { tail_call: true }))).toEqual(['tail-call']);
    expect(featuresOf(await wasm('(module (memory i64 1))', { memory64: true }))).toEqual(['memory64']);
    expect(featuresOf(await wasm('(module (func (drop (i32.atomic.load (i32.const 0)))) (memory 1 1 shared))', { threads: true }))).toEqual(['threads']);
  });
  it('names nothing for a module in the pinned set, or one that is merely broken', async () => {
    expect(featuresOf(await wasm('(module (memory 1) (func (drop (i32.load (i32.const 0)))))'))).toEqual([]);
    expect(featuresOf(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, 5, 1, 3, 0, 0xff, 0x0b]))).toEqual([]);
  });
});

describe('classifyRejection', () => {
  it('profile rules alone are a profile-rule skip, also for a module asserted invalid', () => {
    expect(classifyRejection(['profile_float', 'profile_float'], false)).toMatchObject({ named: 'profile rule profile_float' });
    expect(classifyRejection(['profile_import'], true)).toMatchObject({ named: 'profile rule profile_import' });
  });
  it('a feature read from the binary names the skip alone, never for a module asserted invalid', () => {
    expect(classifyRejection(['multiple_memories', 'unknown_memory', 'constant_expression_required'], false, ['multi-memory'])).toMatchObject({ named: 'multi-memory: outside every ICN profile' });
    expect(classifyRejection(['multiple_memories'], true, ['multi-memory'])).toBeUndefined();
  });
  it('a real validation error is no skip', () => {
    expect(classifyRejection(['type_mismatch'], false)).toBeUndefined();
    expect(classifyRejection(['type_mismatch', 'multiple_memories'], false)).toBeUndefined();
  });
});
