/**
 * The fast path for a lazily decoded data section: one pass over its bytes that accepts the
 * common shape (active segments at `i32.const n` or at an imported immutable i32 global, passive
 * segments) without building a segment object each. It checks what the decoder and the validator
 * would; anything else, or any violation, gives up and the caller decodes the section and checks
 * it the reference way (so words and offsets of violations never come from here).
 */
import { decodedRow, DATA_FORMS } from '../binary/proposal-table.js';
import { Cursor, fail, GIVE_UP } from './body.js';
import { T } from './op-table.js';

export interface DataShape {
  memCount: number;
  /** Imported globals (the only ones an offset may read): type codes and mutability. */
  importedGlobalType: Uint8Array;
  importedGlobalMutable: Uint8Array;
}

export class DataChecker extends Cursor {
  constructor(private readonly s: DataShape) {
    super();
  }

  /** `count` segments in `bytes[start, end)`; false: gave up (decode and check the reference way). */
  check(bytes: Uint8Array, start: number, end: number, count: number): boolean {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
    try {
      for (let i = 0; i < count; i++) this.segment();
      return this.pos === this.end;
    } catch (e) {
      if (e === GIVE_UP) return false;
      throw e;
    }
  }

  private segment(): void {
    const flags = this.u32();
    if (!decodedRow(DATA_FORMS, flags)) fail();
    const memory = flags === 2 ? this.u32() : 0;
    if (flags !== 1) {
      if (memory >= this.s.memCount) fail();
      this.offsetExpr();
    }
    this.skip(this.u32());
  }

  /** `i32.const n end` or `global.get g end` with g an imported immutable i32. */
  private offsetExpr(): void {
    const op = this.u8();
    if (op === 0x41) this.sleb(32);
    else if (op === 0x23) {
      const g = this.u32();
      const s = this.s;
      if (
        g >= s.importedGlobalType.length ||
        s.importedGlobalMutable[g] ||
        s.importedGlobalType[g] !== T.i32
      )
        fail();
    } else fail();
    if (this.u8() !== 0x0b) fail();
  }
}
