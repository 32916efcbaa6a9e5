import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IcnError } from '../errors.js';
import type { Hash } from '../hash/index.js';
import { BloomHasher, PARSED_MAX } from './bloom-hash.js';
import { Bloom } from './bloom.js';
import { bloomDigestReference } from './bloom-reference.fixtures.js';

/** The definition (bloom.ts header) through node:crypto, not through our code. */
const reference = bloomDigestReference;

const hashArb = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((b) => `sha256:${Buffer.from(b).toString('hex')}` as Hash);

describe('BloomHasher (the bloom digest without allocation)', () => {
  it('equals SHA-256 of tag ‖ 0x00 ‖ u32be(salt) ‖ hash bytes on random salts and hashes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.array(hashArb, { minLength: 1, maxLength: 8 }),
        (salt, hs) => {
          const hasher = new BloomHasher(salt);
          const out: [number, number] = [0, 0];
          for (const h of hs) {
            hasher.words(h, out);
            expect(out).toEqual(reference(salt, h));
          }
        },
      ),
      { numRuns: 300, seed: 19 },
    );
  });

  it('edge salts and hashes (all zero, all ones, sign bits)', () => {
    const out: [number, number] = [0, 0];
    for (const salt of [0, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff])
      for (const h of ['0'.repeat(64), 'f'.repeat(64), '80'.repeat(32), '7f'.repeat(32)]) {
        new BloomHasher(salt).words(`sha256:${h}`, out);
        expect(out).toEqual(reference(salt, `sha256:${h}`));
      }
  });

  it('refuses what is not a sha256:<64 lowercase hex> hash, as hashBytes does', () => {
    const hasher = new BloomHasher(7);
    const out: [number, number] = [0, 0];
    const good = `sha256:${'ab'.repeat(32)}`;
    for (const bad of [
      good.toUpperCase(),
      good.slice(0, -1),
      good + '0',
      good.replace('sha256:', 'sha512:'),
      good.slice(0, -1) + 'g',
      good.slice(0, -1) + '\u0660', // a digit outside ASCII
      '',
    ]) {
      expect(() => hasher.words(bad, out)).toThrow(IcnError);
      expect(() => hasher.words(bad, out)).toThrow(/sha256:<64 lowercase hex>/);
    }
    hasher.words(good, out);
    expect(out).toEqual(reference(7, good)); // a refusal leaves no state behind
  });

  it('a filter of any size and k sets bit (h1 + i·h2) mod m, i < k (BigInt reference)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          { weight: 19, arbitrary: fc.integer({ min: 8, max: 4096 }).map((x) => x * 8) },
          { weight: 1, arbitrary: fc.constant(1 << 20) }, // BLOOM_MAX_BITS
        ),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 0, max: 0xffff_ffff }),
        hashArb,
        (m, k, salt, h) => {
          const [h1, h2] = reference(salt, h);
          const want = Array.from({ length: k }, (_, i) =>
            Number((BigInt(h1) + BigInt(i) * BigInt((h2 | 1) >>> 0)) % BigInt(m)),
          );
          const b = Bloom.fromWire({ m, k, salt, bits: '0'.repeat(m / 4) });
          expect(b.positions(h)).toEqual(want);
          expect(b.has(h)).toBe(false);
          b.add(h);
          expect(b.has(h)).toBe(true);
          expect(Bloom.fromWire(b.toWire()).has(h)).toBe(true);
          const bits = Buffer.from(b.toWire().bits, 'hex');
          let ones = 0;
          for (let p = 0; p < m; p++) if (bits[p >> 3]! & (1 << (p & 7))) ones++;
          expect(ones).toBe(new Set(want).size); // exactly the k positions, nothing else
        },
      ),
      { numRuns: 200, seed: 19 },
    );
  });

  it('the cache of parsed hashes cannot be poisoned: refusals are not kept, eviction re-parses, neighbours never hit', () => {
    const hasher = new BloomHasher(99);
    const out: [number, number] = [0, 0];
    const good = `sha256:${'5a'.repeat(32)}`;
    hasher.words(good, out); // cached
    const nearMiss = good.slice(0, -1) + 'b';
    const halfBad = good.slice(0, -1) + 'G'; // parses to the last digit, then fails
    for (let i = 0; i < 3; i++) expect(() => hasher.words(halfBad, out)).toThrow(/sha256:<64/);
    hasher.words(good, out);
    expect(out).toEqual(reference(99, good)); // a failed parse left the cached words intact
    hasher.words(nearMiss, out);
    expect(out).toEqual(reference(99, nearMiss));
    const many = Array.from(
      { length: PARSED_MAX + 100 },
      (_, i) => `sha256:${createHash('sha256').update(String(i)).digest('hex')}`,
    );
    for (const h of many) hasher.words(h, out); // evicts `good` and the first of `many`
    for (const h of [good, many[0]!, many[PARSED_MAX + 99]!]) {
      hasher.words(h, out);
      expect(out).toEqual(reference(99, h));
    }
  });
});
