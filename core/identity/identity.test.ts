import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../canonical/index.js';
import { DOMAIN } from '../hash/index.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { verifyStrict } from './ed25519-rule.js';
import { Did, IdentityError, Keypair, verifyRaw, verifySignature } from './identity.js';

const seed = (b: number) => new Uint8Array(32).fill(b);

describe('identity', () => {
  it('spells DIDs as ICN does (golden: seed of 0x07)', () => {
    expect(Keypair.fromSeed(seed(7)).did.toString()).toBe(
      'did:icn:zGmaDrppBC7P5ARKV8g3djiwP89vz1jLK23V2GBjuAEGB',
    );
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

  it('refuses small-order and non-canonical keys at parse: the identity, every order-8 point, y >= p', async () => {
    const { base58 } = await import('@scure/base');
    const did = (hex: string) =>
      `did:icn:z${base58.encode(Uint8Array.from(Buffer.from(hex, 'hex')))}`;
    const parseCode = (s: string) => {
      try {
        Did.parse(s);
        return 'parsed';
      } catch (e) {
        return (e as IdentityError).code;
      }
    };
    // The 8 torsion points (Wycheproof/ZIP-215 list), canonical encodings.
    const smallOrder = [
      '0100000000000000000000000000000000000000000000000000000000000000', // identity
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // order 2
      '0000000000000000000000000000000000000000000000000000000000000080'.replace(/80$/, '00'), // order 4 (x = ±√-1, y = 0)
      '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
      'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
    ];
    for (const k of smallOrder) expect(parseCode(did(k)), k).toBe('DID_SMALL_ORDER_KEY');
    // y = p + 1 (a non-canonical spelling of the identity) and y = 2^255 - 1
    expect(parseCode(did('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'))).toBe(
      'DID_NOT_A_KEY',
    );
    expect(parseCode(did('ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'))).toBe(
      'DID_NOT_A_KEY',
    );
    // and verification agrees with parsing: such a key verifies nothing, not even R = identity, S = 0
    const trivial = new Uint8Array(64);
    trivial[0] = 1;
    for (const k of smallOrder)
      expect(verifyRaw(Uint8Array.from(Buffer.from(k, 'hex')), new Uint8Array([7]), trivial)).toBe(
        false,
      );
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

  it('a remembered valid signature never covers other bytes: the same object mutated in place is refused', () => {
    const kp = Keypair.fromSeed(seed(11));
    const value: Record<string, unknown> = { n: 1, who: 'a' };
    const sig = kp.sign(DOMAIN.installation, value);
    for (let i = 0; i < 3; i++)
      expect(verifySignature(kp.did, DOMAIN.installation, value, sig)).toBe(true);
    value.n = 2; // same length, same signature, other bytes
    expect(verifySignature(kp.did, DOMAIN.installation, value, sig)).toBe(false);
    expect(verifySignature(kp.did, DOMAIN.deploymentMessage, { n: 1, who: 'a' }, sig)).toBe(false);
    expect(
      verifySignature(Keypair.fromSeed(seed(12)).did, DOMAIN.installation, { n: 1, who: 'a' }, sig),
    ).toBe(false);
    expect(verifySignature(kp.did, DOMAIN.installation, { n: 1, who: 'a' }, sig)).toBe(true);
    // What is signed: the tag's bytes, one 0x00, the canonical bytes (checked with @noble/curves).
    const signed = Uint8Array.from([
      ...new TextEncoder().encode(DOMAIN.installation),
      0,
      ...canonicalize({ who: 'a', n: 1 }),
    ]);
    expect(ed25519.verify(Uint8Array.from(Buffer.from(sig, 'hex')), signed, kp.publicKey)).toBe(
      true,
    );
  });

  it('node:crypto keys and signatures are byte-identical to @noble/curves', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 300 }),
        (s, msg) => {
          const kp = Keypair.fromSeed(s);
          expect(kp.publicKey).toEqual(ed25519.getPublicKey(s));
          const sig = kp.signRaw(msg);
          expect(sig).toEqual(ed25519.sign(msg, s));
          expect(verifyRaw(kp.publicKey, msg, sig)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the verdict is the pinned rule (verifyStrict) on mutated and edge-case signatures, whatever OpenSSL says', () => {
    const kp = Keypair.fromSeed(seed(4));
    const msg = new Uint8Array([1, 2, 3]);
    const good = kp.signRaw(msg);
    let accepted = 0;
    fc.assert(
      fc.property(fc.nat(63), fc.integer({ min: 1, max: 255 }), fc.boolean(), (i, x, onKey) => {
        const sig = good.slice();
        const key = kp.publicKey.slice();
        if (onKey) key[i % 32]! ^= x;
        else sig[i]! ^= x;
        const want = verifyStrict(key, msg, sig);
        if (want) accepted++;
        expect(verifyRaw(key, msg, sig)).toBe(want);
      }),
      { numRuns: 300, seed: 15 },
    );
    expect(verifyRaw(kp.publicKey, msg, good)).toBe(true);
    // A key of order 8 with R = identity, S = 0: the cofactored equation (ZIP-215, noble's
    // default) holds for every message; the rule refuses the key itself.
    const order8 = Uint8Array.from(
      Buffer.from('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'hex'),
    );
    const sig = new Uint8Array(64);
    sig[0] = 1;
    expect(ed25519.verify(sig, msg, order8)).toBe(true);
    expect(verifyRaw(order8, msg, sig)).toBe(false);
    expect(verifyStrict(order8, msg, sig)).toBe(false);
    // A mixed-order key A' = aB + T (T of order 8), signed honestly with scalar a: the cofactored
    // equation ignores T and accepts; the cofactorless one holds only when 8 divides k.
    const T = ed25519.Point.fromBytes(order8);
    const { scalar: a } = ed25519.utils.getExtendedPublicKey(seed(4));
    const L = ed25519.Point.Fn.ORDER;
    const A2 = ed25519.Point.BASE.multiply(a).add(T).toBytes();
    const leInt = (b: Uint8Array) => b.reduceRight((n, x) => (n << 8n) | BigInt(x), 0n);
    let disagreements = 0;
    for (let r = 1n; r <= 16n; r++) {
      const R = ed25519.Point.BASE.multiply(r).toBytes();
      const k = leInt(sha512(Uint8Array.from([...R, ...A2, ...msg]))) % L;
      const S = (r + k * a) % L;
      const sigBytes = Uint8Array.from([
        ...R,
        ...Array.from({ length: 32 }, (_, i) => Number((S >> BigInt(8 * i)) & 0xffn)),
      ]);
      expect(ed25519.verify(sigBytes, msg, A2, { zip215: true })).toBe(true);
      expect(verifyRaw(A2, msg, sigBytes)).toBe(k % 8n === 0n);
      if (k % 8n !== 0n) disagreements++;
    }
    expect(disagreements).toBeGreaterThan(0);
    // S >= L is refused by both.
    const big = good.slice();
    big.fill(0xff, 32);
    expect(verifyRaw(kp.publicKey, msg, big)).toBe(false);
  });
});
