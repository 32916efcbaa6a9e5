/**
 * A Bloom filter whose hash functions we define, so every implementation on every platform sets
 * the same bits (never platform or engine hashing):
 *
 *   d      = SHA-256("icn/gossip/bloom/v1" ‖ 0x00 ‖ u32be(salt) ‖ 32 digest bytes of the entry hash)
 *   h1, h2 = d[0..4], d[4..8] as big-endian u32; h2 |= 1
 *   bit_i  = (h1 + i·h2) mod m   for i in 0..k-1      (Kirsch–Mitzenmacher double hashing)
 *
 * Bit b lives in byte b>>3, mask 1<<(b&7). The wire form is {m, k, salt, bits: lowercase hex}.
 * The salt changes every digest round, so a false positive in one round is not one in the next:
 * anti-entropy cannot starve an entry forever.
 */
import type { Hash } from '../hash/index.js';
import { dec, enc } from '../canonical/index.js';
import { BloomHasher } from './bloom-hash.js';
import { GossipError } from './errors.js';

export const BLOOM_MAX_BITS = 1 << 20;
export const BLOOM_MIN_BITS = 64;
export const BLOOM_MAX_K = 16;

export interface BloomWire {
  m: number;
  k: number;
  salt: number;
  bits: string;
}

/** x mod m for 0 ≤ x < 2m. */
const wrap = (x: number, m: number): number => (x < m ? x : x - m);

export class Bloom {
  private constructor(
    readonly m: number,
    readonly k: number,
    readonly salt: number,
    private readonly bits: Uint8Array,
  ) {}

  /** Sized for `n` items at `bitsPerItem` bits each (m rounded up to a multiple of 8, ≥ 64). */
  static forCount(n: number, salt: number, bitsPerItem = 10, k = 7): Bloom {
    let m = Math.max(BLOOM_MIN_BITS, n * bitsPerItem);
    m = Math.min(BLOOM_MAX_BITS, Math.ceil(m / 8) * 8);
    return new Bloom(m, k, salt >>> 0, new Uint8Array(m / 8));
  }

  static fromWire(w: unknown): Bloom {
    const o = w as Partial<BloomWire> | null;
    const bad = (why: string): never => {
      throw new GossipError('malformed', `bloom filter: ${why}`);
    };
    if (o === null || typeof o !== 'object') bad('not an object');
    const { m, k, salt, bits } = o as BloomWire;
    if (!Number.isSafeInteger(m) || m < BLOOM_MIN_BITS || m > BLOOM_MAX_BITS || m % 8 !== 0)
      bad(`m = ${String(m)} must be a multiple of 8 in ${BLOOM_MIN_BITS}..${BLOOM_MAX_BITS}`);
    if (!Number.isSafeInteger(k) || k < 1 || k > BLOOM_MAX_K)
      bad(`k = ${String(k)} must be in 1..${BLOOM_MAX_K}`);
    if (!Number.isSafeInteger(salt) || salt < 0 || salt > 0xffff_ffff)
      bad(`salt = ${String(salt)} must be a u32`);
    if (typeof bits !== 'string' || bits.length !== m / 4)
      bad(`bits must be ${m / 4} hex characters`);
    let bytes: Uint8Array;
    try {
      bytes = dec.bytes(bits);
    } catch {
      return bad('bits must be lowercase hex');
    }
    return new Bloom(m, k, salt, bytes);
  }

  toWire(): BloomWire {
    return { m: this.m, k: this.k, salt: this.salt, bits: enc.bytes(this.bits) };
  }

  /** The digest for this filter's salt (bloom-hash.ts), made on first use. */
  private hasher: BloomHasher | undefined;
  private readonly d: [number, number] = [0, 0];

  /** h1 and h2 of an entry hash under this filter's salt (header: h2 |= 1). */
  private pair(h: Hash): [number, number] {
    const d = this.d;
    (this.hasher ??= new BloomHasher(this.salt)).words(h, d);
    d[1] = (d[1] | 1) >>> 0;
    return d;
  }

  // Bit i is (h1 + i·h2) mod m (exact in doubles: h1 + i·h2 < 17·2^32 < 2^53), walked below as
  // b ← b + (h2 mod m), less m when it reaches m: the same residues with one division per entry.

  /** The k bit positions of an entry hash under this filter's salt and size. */
  positions(h: Hash): number[] {
    const [h1, h2] = this.pair(h);
    const step = h2 % this.m;
    const out: number[] = [];
    let b = h1 % this.m;
    for (let i = 0; i < this.k; i++) {
      out.push(b);
      b = wrap(b + step, this.m);
    }
    return out;
  }

  add(h: Hash): void {
    const [h1, h2] = this.pair(h);
    const step = h2 % this.m;
    let b = h1 % this.m;
    for (let i = 0; i < this.k; i++) {
      this.bits[b >> 3] = this.bits[b >> 3]! | (1 << (b & 7));
      b = wrap(b + step, this.m);
    }
  }

  has(h: Hash): boolean {
    const [h1, h2] = this.pair(h);
    const step = h2 % this.m;
    let b = h1 % this.m;
    for (let i = 0; i < this.k; i++) {
      if ((this.bits[b >> 3]! & (1 << (b & 7))) === 0) return false;
      b = wrap(b + step, this.m);
    }
    return true;
  }
}
