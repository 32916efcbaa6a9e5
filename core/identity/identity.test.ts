import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DOMAIN } from '../hash/index.js';
import { Did, IdentityError, Keypair, verifySignature } from './identity.js';

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
});
