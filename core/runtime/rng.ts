/**
 * Seeded randomness with named streams: one root seed reproduces everything (TigerBeetle's rule).
 * A stream's state is SHA-256(root seed ‖ 0x00 ‖ stream name), so adding a stream never shifts the
 * draws of another. The generator is xoshiro128** on 32-bit integers: no floats anywhere.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { IcnError } from '../errors.js';
import { U64_MAX } from '../int-limits.js';

const utf8 = new TextEncoder();

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** How many 32-bit words this stream has produced (for determinism checks and traces). */
  draws = 0;

  private constructor(
    readonly seed: bigint,
    readonly name: string,
  ) {
    const seedBytes = utf8.encode(`${seed.toString()}\u0000${name}`);
    const d = sha256(seedBytes);
    const w = (i: number) =>
      (d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16) | (d[i + 3]! << 24)) >>> 0;
    this.s0 = w(0);
    this.s1 = w(4);
    this.s2 = w(8);
    this.s3 = w(12);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The root stream of a seed. Seeds are non-negative integers below 2^64. */
  static root(seed: bigint | number): Rng {
    const s = BigInt(seed);
    if (s < 0n || s > U64_MAX)
      throw new IcnError('RNG_SEED_RANGE', `seed ${s} is outside 0..2^64-1`);
    return new Rng(s, '');
  }

  /** An independent named sub-stream (`network`, `faults`, `workload`, …). */
  stream(name: string): Rng {
    return new Rng(this.seed, this.name === '' ? name : `${this.name}/${name}`);
  }

  /** Next uniformly distributed unsigned 32-bit integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.draws++;
    return result;
  }

  /** Uniform integer in [0, n), n ≤ 2^32, without modulo bias (rejection sampling). */
  below(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x1_0000_0000)
      throw new IcnError('RNG_RANGE', `below(${n}): n must be an integer in 1..2^32`);
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  /** Uniform integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  /** True with probability ppm / 1,000,000 (parts per million: no floats). */
  chancePpm(ppm: number): boolean {
    return this.below(1_000_000) < ppm;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new IcnError('RNG_EMPTY', 'pick() from an empty list');
    return items[this.below(items.length)]!;
  }

  /** Fisher–Yates shuffle into a new array. */
  shuffle<T>(items: readonly T[]): T[] {
    const a = items.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const x = this.nextU32();
      for (let k = 0; k < 4 && i + k < n; k++) out[i + k] = (x >>> (8 * k)) & 0xff;
    }
    return out;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
