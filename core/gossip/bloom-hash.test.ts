import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IcnError } from '../errors.js';
import type { Hash } from '../hash/index.js';
import { BloomHasher } from './bloom-hash.js';

/** The definition (bloom.ts header) through node:crypto, not through our code. */
function reference(salt: number, h: string): [number, number] {
  const pre = Buffer.alloc(4);
  pre.writeUInt32BE(salt);
  const d = createHash('sha256')
    .update('icn/gossip/bloom/v1')
    .update(Buffer.from([0]))
    .update(pre)
    .update(Buffer.from(h.slice(7), 'hex'))
    .digest();
  return [d.readUInt32BE(0), d.readUInt32BE(4)];
}

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
});
