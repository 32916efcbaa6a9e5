/** Export shapes read from module binaries (core/wasm/exec/exports.ts). */
import { describe, expect, it } from 'vitest';
import { readExports } from './exports.js';

// (func (export "f") (param i32) (result i32) <body>): type, function, export and code sections
function moduleWithBody(code: number[]): Uint8Array {
  const body = [0x00, ...code, 0x0b];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    0x01,
    0x06,
    0x01,
    0x60,
    0x01,
    0x7f,
    0x01,
    0x7f,
    0x03,
    0x02,
    0x01,
    0x00,
    0x07,
    0x05,
    0x01,
    0x01,
    0x66,
    0x00,
    0x00,
    0x0a,
    body.length + 2,
    0x01,
    body.length,
    ...body,
  ]);
}

describe('readExports', () => {
  it('reads export shapes, and refuses code the pinned decoder does not read', () => {
    expect(readExports(moduleWithBody([0x20, 0x00]))).toEqual([
      { name: 'f', kind: 'func', sig: { params: ['i32'], results: ['i32'] } },
    ]);
    // memory.size of memory 1 (multi-memory): the pinned decoder stops on its index byte
    expect(() => readExports(moduleWithBody([0x3f, 0x01]))).toThrow(
      /memory index byte must be 0x00/,
    );
  });
  it('with bodies: false, reads the shapes of a module whose code it does not read (raw on a V8 with more proposals)', () => {
    expect(readExports(moduleWithBody([0x3f, 0x01]), { bodies: false })).toEqual([
      { name: 'f', kind: 'func', sig: { params: ['i32'], results: ['i32'] } },
    ]);
    expect(() => readExports(moduleWithBody([0x3f, 0x01]).slice(0, -2), { bodies: false })).toThrow(
      /runs past/,
    );
  });
});
