import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalString } from '../canonical/index.js';
import { DOMAIN, DOMAIN_TAG_PATTERN, allDomainTags } from './domains.js';
import { bytesHash, contentHash, hashBytes, isHash } from './hash.js';

/** An independent reference: @noble/hashes' SHA-256 over the same framing (the code uses node:crypto). */
function reference(domain: string, payload: Uint8Array | string): string {
  const enc = new TextEncoder();
  const body = typeof payload === 'string' ? enc.encode(payload) : payload;
  const tag = enc.encode(domain);
  const buf = new Uint8Array(tag.length + 1 + body.length);
  buf.set(tag, 0);
  buf.set(body, tag.length + 1);
  return `sha256:${Buffer.from(sha256(buf)).toString('hex')}`;
}

describe('hashing', () => {
  it('contentHash = SHA-256(domain ‖ 0x00 ‖ canonical bytes)', () => {
    fc.assert(
      fc.property(
        fc.jsonValue().filter((v) => {
          try {
            canonicalString(v);
            return true;
          } catch {
            return false;
          }
        }),
        (v) => {
          expect(contentHash(DOMAIN.test, v)).toBe(reference(DOMAIN.test, canonicalString(v)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('domain separation: the same value under two tags never collides', () => {
    expect(contentHash(DOMAIN.test, { a: 1 })).not.toBe(
      contentHash(DOMAIN.manifestEntry, { a: 1 }),
    );
    expect(bytesHash(DOMAIN.wasmMemory, new Uint8Array([1, 2]))).toBe(
      reference(DOMAIN.wasmMemory, new Uint8Array([1, 2])),
    );
  });

  it('every registered tag is well-formed, unique and versioned', () => {
    const tags = allDomainTags();
    expect(new Set(tags).size).toBe(Object.values(DOMAIN).length);
    for (const t of tags) expect(t).toMatch(DOMAIN_TAG_PATTERN);
  });

  it('refuses unregistered tags', () => {
    expect(() => contentHash('icn/unknown/v1' as never, 1)).toThrow(/unknown domain tag/);
  });

  it('printed hashes parse back to their 32 bytes and reject other spellings', () => {
    const h = contentHash(DOMAIN.test, 'x');
    expect(isHash(h)).toBe(true);
    expect(hashBytes(h).length).toBe(32);
    for (const bad of [
      h.toUpperCase(),
      h.slice(0, -1),
      `sha512:${h.slice(7)}`,
      h.replace('sha256:', ''),
    ]) {
      expect(isHash(bad)).toBe(false);
      expect(() => hashBytes(bad)).toThrow(/not sha256:<64 lowercase hex>/);
    }
  });
});
