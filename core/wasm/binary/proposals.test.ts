/** Proposals beyond the pinned feature set, read from module binaries. */
import { describe, expect, it } from 'vitest';
import { watToWasm } from '../wat.js';
import { proposalsOf } from './proposals.js';

const wasm = (text: string, features: Record<string, boolean> = {}) => watToWasm(text, { validate: false, features });

describe('proposalsOf', () => {
  it('names the proposal a module needs, from the bytes', async () => {
    expect(proposalsOf(await wasm('(module (memory 1) (memory 1))', { multi_memory: true }))).toEqual(['multi-memory']);
    expect(proposalsOf(await wasm('(module (memory (import "m" "a") 1) (memory 1))', { multi_memory: true }))).toEqual(['multi-memory']);
    expect(proposalsOf(await wasm('(module (tag))', { exceptions: true }))).toEqual(['exception-handling']);
    expect(proposalsOf(await wasm('(module (func (return_call 0)))', { tail_call: true }))).toEqual(['tail-call']);
    expect(proposalsOf(await wasm('(module (memory i64 1))', { memory64: true }))).toEqual(['memory64']);
    expect(proposalsOf(await wasm('(module (func (drop (i32.atomic.load (i32.const 0)))) (memory 1 1 shared))', { threads: true }))).toEqual(['threads']);
  });
  it('names nothing for a module in the pinned set, or one that is merely broken', async () => {
    expect(proposalsOf(await wasm('(module (memory 1) (func (drop (i32.load (i32.const 0)))))'))).toEqual([]);
    expect(proposalsOf(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, 5, 1, 3, 0, 0xff, 0x0b]))).toEqual([]);
  });
});
