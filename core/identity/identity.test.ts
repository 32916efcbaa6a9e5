import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DOMAIN } from '../hash/index.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { Did, IdentityError, Keypair, verifyRaw, verifySignature } from './identity.js';

const seed = (b: number) => new Uint8Array(32).fill(b);

describe('identity', () => {
  it("spells DIDs as ICN does (golden: seed of 0x07)", () => {
    expect(Keypair.fromSeed(seed(7)).did.toString()).toBe('did:icn:zGmaDrppBC7P5ARKV8g3djiwP89vz1jLK23V2GBjuAEGB');
  });

  it('parses what it prints and compares by key bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (s) => {
        const did = Keypair.fromSeed(s).did;
        const parsed = Did.parse(did.toString());
        expect(parsed.equals(did)).toBe(true);
        expect(parsed.toString()).toBe(did.toString());
      }),
      { numRuns: 50 },
    );
    expect(Keypair.fromSeed(seed(1)).did.equals(Keypair.fromSeed(seed(2)).did)).toBe(false);
  });

  it('rejects non-keys with a typed error', () => {
    const codes = (s: string) => {
      try {
        Did.parse(s);
        return 'parsed';
      } catch (e) {
        expect(e).toBeInstanceOf(IdentityError);
        return (e as IdentityError).code;
      }
    };
    expect(codes('did:web:example.com')).toBe('DID_SYNTAX');
    expect(codes('did:icn:zIIII')).toBe('DID_SYNTAX');
    expect(codes('did:icn:z4GjjZ7fPkpiqN')).toBe('DID_KEY_LENGTH');
    expect(codes('did:icn:zJEKNVnkbo3jma5nREBBJCDoXFVeKkD56V3xKrvRmWxFG')).toBe('DID_NOT_A_KEY');
    expect(() => Keypair.fromSeed(new Uint8Array(31))).toThrow(/32 bytes/);
  });

  it('signs domain ‖ canonical bytes: domain, value and signer are all bound', () => {
    const kp = Keypair.fromSeed(seed(9));
    const other = Keypair.fromSeed(seed(10));
    const value = { b: 2, a: [1, 'x'] };
    const sig = kp.sign(DOMAIN.installation, value);
    expect(sig).toMatch(/^[0-9a-f]{128}$/);
    expect(verifySignature(kp.did, DOMAIN.installation, { a: [1, 'x'], b: 2 }, sig)).toBe(true); // key order irrelevant
    expect(verifySignature(kp.did, DOMAIN.deploymentMessage, value, sig)).toBe(false); // other purpose
    expect(verifySignature(kp.did, DOMAIN.installation, { ...value, b: 3 }, sig)).toBe(false);
    expect(verifySignature(other.did, DOMAIN.installation, value, sig)).toBe(false);
    expect(verifySignature(kp.did, DOMAIN.installation, value, sig.toUpperCase())).toBe(false);
    expect(verifySignature(kp.did, DOMAIN.installation, value, 'zz')).toBe(false);
  });

  it('node:crypto keys and signatures are byte-identical to @noble/curves', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), (s, msg) => {
        const kp = Keypair.fromSeed(s);
        expect(kp.publicKey).toEqual(ed25519.getPublicKey(s));
        const sig = kp.signRaw(msg);
        expect(sig).toEqual(ed25519.sign(msg, s));
        expect(verifyRaw(kp.publicKey, msg, sig)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("the verdict is @noble/curves' (ZIP-215) on mutated and edge-case signatures", () => {
    const kp = Keypair.fromSeed(seed(4));
    const msg = new Uint8Array([1, 2, 3]);
    const good = kp.signRaw(msg);
    fc.assert(
      fc.property(fc.nat(63), fc.integer({ min: 1, max: 255 }), fc.boolean(), (i, x, onKey) => {
        const sig = good.slice();
        const key = kp.publicKey.slice();
        if (onKey) key[i % 32]! ^= x;
        else sig[i]! ^= x;
        let want: boolean;
        try { want = ed25519.verify(sig, msg, key); } catch { want = false; }
        expect(verifyRaw(key, msg, sig)).toBe(want);
      }),
      { numRuns: 300 },
    );
    // Key of order 8, R = identity, S = 0: the cofactored equation holds for every message, the
    // cofactorless one (OpenSSL) only when 8 divides the challenge. OpenSSL says no, ZIP-215 says
    // yes: this exercises the fallback, and the verdict is ZIP-215's.
    const order8 = Uint8Array.from(Buffer.from('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'hex'));
    const sig = new Uint8Array(64);
    sig[0] = 1;
    expect(ed25519.verify(sig, msg, order8)).toBe(true);
    expect(verifyRaw(order8, msg, sig)).toBe(true);
    // S >= L is refused by both.
    const big = good.slice();
    big.fill(0xff, 32);
    expect(verifyRaw(kp.publicKey, msg, big)).toBe(false);
  });
});
