/**
 * A bounds-checked byte reader for the binary format. Every failure is a WasmDecodeError carrying
 * the byte offset; nothing here can throw anything else on any input.
 */
import { IcnError } from '../../errors.js';

export class WasmDecodeError extends IcnError {
  override readonly name = 'WasmDecodeError';
  constructor(
    readonly offset: number,
    /** Short stable reason, e.g. `unexpected_end`, `integer_too_large`, `unknown_opcode`. */
    readonly reason: string,
    detail: string,
  ) {
    super(
      'WASM_MALFORMED',
      `malformed module at byte ${offset} (0x${offset.toString(16)}): ${detail}`,
      { offset, reason },
    );
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class Reader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    pos = 0,
    /** Exclusive end of the region being read (a section or function body). */
    public end = bytes.length,
  ) {
    this.pos = pos;
  }

  fail(reason: string, detail: string, at = this.pos): never {
    throw new WasmDecodeError(at, reason, detail);
  }

  eof(): boolean {
    return this.pos >= this.end;
  }

  u8(): number {
    if (this.pos >= this.end) this.fail('unexpected_end', 'unexpected end of section or function');
    return this.bytes[this.pos++]!;
  }

  peek(): number {
    if (this.pos >= this.end) this.fail('unexpected_end', 'unexpected end of section or function');
    return this.bytes[this.pos]!;
  }

  take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.end)
      this.fail(
        'unexpected_end',
        `length ${n} runs past the end (${this.end - this.pos} bytes left)`,
      );
    const b = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** Unsigned LEB128 of at most `bits` bits (u32 by default), as a number. */
  u32(bits = 32): number {
    const start = this.pos;
    let result = 0;
    let shift = 0;
    const maxBytes = Math.ceil(bits / 7);
    for (let i = 0; ; i++) {
      const b = this.u8();
      if (i === maxBytes - 1) {
        const used = bits - 7 * i;
        if (b & 0x80)
          this.fail(
            'integer_representation_too_long',
            `u${bits} LEB128 longer than ${maxBytes} bytes`,
            start,
          );
        if (b >> used !== 0)
          this.fail('integer_too_large', `u${bits} LEB128 value out of range`, start);
      }
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) return result;
    }
  }

  /** Signed LEB128 of `bits` bits as a bigint (s32, s33, s64). */
  sleb(bits: number): bigint {
    const start = this.pos;
    let result = 0n;
    let shift = 0n;
    const maxBytes = Math.ceil(bits / 7);
    for (let i = 0; ; i++) {
      const b = this.u8();
      if (i === maxBytes - 1) {
        if (b & 0x80)
          this.fail(
            'integer_representation_too_long',
            `s${bits} LEB128 longer than ${maxBytes} bytes`,
            start,
          );
        // The unused high bits of the last byte must all equal the sign bit.
        const used = bits - 7 * i;
        const rest = b >> (used - 1);
        const allOnes = 0x7f >> (used - 1);
        if (rest !== 0 && rest !== allOnes)
          this.fail('integer_too_large', `s${bits} LEB128 value out of range`, start);
      }
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) {
        if (b & 0x40) result -= 1n << shift;
        return result;
      }
    }
  }

  /** sleb(32) in number arithmetic (no BigInt per byte: i32.const is in every offset expression). */
  s32(): number {
    const start = this.pos;
    let result = 0;
    let mul = 1;
    for (let i = 0; ; i++) {
      const b = this.u8();
      if (i === 4) {
        if (b & 0x80)
          this.fail('integer_representation_too_long', 's32 LEB128 longer than 5 bytes', start);
        const rest = b >> 3;
        if (rest !== 0 && rest !== 0xf)
          this.fail('integer_too_large', 's32 LEB128 value out of range', start);
      }
      result += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) return b & 0x40 ? result - mul : result;
    }
  }

  s64(): bigint {
    return this.sleb(64);
  }

  u32le(): number {
    const b = this.take(4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  u64le(): bigint {
    const lo = BigInt(this.u32le());
    const hi = BigInt(this.u32le());
    return (hi << 32n) | lo;
  }

  name(): string {
    const start = this.pos;
    const len = this.u32();
    const b = this.take(len);
    try {
      return utf8.decode(b);
    } catch {
      return this.fail('malformed_utf8', 'name is not valid UTF-8', start);
    }
  }

  /** A vector length, sanity-checked against the bytes left (each element takes at least `minSize` bytes). */
  count(minSize = 1): number {
    const at = this.pos;
    const n = this.u32();
    if (n * minSize > this.end - this.pos)
      this.fail(
        'unexpected_end',
        `vector of ${n} elements cannot fit in the ${this.end - this.pos} bytes left`,
        at,
      );
    return n;
  }
}
