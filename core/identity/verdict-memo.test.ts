import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../canonical/index.js';
import { DOMAIN } from '../hash/index.js';
import { base58 } from '@scure/base';
import {
  Did,
  IdentityError,
  Keypair,
  signatureMemoStats,
  verifyRaw,
  verifySignature,
} from './identity.js';
import { VerdictMemo } from './verdict-memo.js';

const seed = (b: number) => new Uint8Array(32).fill(b);
const sigOf = (n: number) => n.toString(16).padStart(128, '0');

describe('VerdictMemo', () => {
  it('keys every part of the triple: key, signature and each byte of the message', () => {
    const pk = new Uint8Array(32).fill(1);
    const base = VerdictMemo.key(pk, sigOf(1), Uint8Array.of(1, 2, 3));
    expect(VerdictMemo.key(new Uint8Array(32).fill(2), sigOf(1), Uint8Array.of(1, 2, 3))).not.toBe(
      base,
    );
    expect(VerdictMemo.key(pk, sigOf(2), Uint8Array.of(1, 2, 3))).not.toBe(base);
    expect(VerdictMemo.key(pk, sigOf(1), Uint8Array.of(1, 2, 4))).not.toBe(base);
    expect(VerdictMemo.key(pk, sigOf(1), Uint8Array.of(1, 2))).not.toBe(base);
    expect(VerdictMemo.key(pk, sigOf(1), Uint8Array.of(1, 2, 3))).toBe(base);
  });

  it('stays within its bound, forgetting the oldest first', () => {
    const m = new VerdictMemo(3);
    for (const k of ['a', 'b', 'c', 'd']) m.add(k);
    expect(m.size).toBe(3);
    expect(m.has('a')).toBe(false);
    expect(m.has('b') && m.has('c') && m.has('d')).toBe(true);
    m.add('d'); // already known: nothing is forgotten
    expect(m.has('b')).toBe(true);
  });
});

describe('the process signature memo under a hostile peer', () => {
  it('never remembers a refusal: a forged signature stays refused, and the genuine one is accepted after it', () => {
    const kp = Keypair.fromSeed(seed(41));
    const value = { hostile: 'peer', n: 1 };
    const good = kp.sign(DOMAIN.gossipMessage, value);
    const forged = (good[0] === '0' ? '1' : '0') + good.slice(1);
    for (let i = 0; i < 3; i++)
      expect(verifySignature(kp.did, DOMAIN.gossipMessage, value, forged)).toBe(false);
    expect(verifySignature(kp.did, DOMAIN.gossipMessage, value, good)).toBe(true);
    expect(verifySignature(kp.did, DOMAIN.gossipMessage, value, forged)).toBe(false);
  });

  it('a signature known valid covers only its own key, domain and bytes', () => {
    const kp = Keypair.fromSeed(seed(42));
    const other = Keypair.fromSeed(seed(43));
    const value = { to: 'b', seq: 7, body: { type: 'announce', hashes: [] as string[] } };
    const sig = kp.sign(DOMAIN.gossipMessage, value);
    expect(verifySignature(kp.did, DOMAIN.gossipMessage, value, sig)).toBe(true);
    expect(verifySignature(other.did, DOMAIN.gossipMessage, value, sig)).toBe(false); // claimed by another sender
    expect(verifySignature(kp.did, DOMAIN.gossipEntry, value, sig)).toBe(false); // replayed for another purpose
    expect(verifySignature(kp.did, DOMAIN.gossipMessage, { ...value, to: 'c' }, sig)).toBe(false); // readdressed
    expect(verifySignature(kp.did, DOMAIN.gossipMessage, { ...value, seq: 8 }, sig)).toBe(false);
  });

  it('a peer cannot evict its way to a wrong verdict: after filling the memo, checks are still exact', () => {
    const kp = Keypair.fromSeed(seed(44));
    const target = { victim: true };
    const sig = kp.sign(DOMAIN.installation, target);
    for (let i = 0; i < 17_000; i++) kp.sign(DOMAIN.gossipMessage, { flood: i }); // > the memo's bound
    expect(signatureMemoStats().entries).toBeLessThanOrEqual(16_384);
    expect(verifySignature(kp.did, DOMAIN.installation, target, sig)).toBe(true); // evicted: checked in full
    expect(verifySignature(kp.did, DOMAIN.installation, { victim: false }, sig)).toBe(false);
  });

  it('what sign() remembers is valid on its own: every signature passes the full check (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.dictionary(fc.string({ maxLength: 8 }), fc.integer()),
        (s, value) => {
          const kp = Keypair.fromSeed(s);
          const sig = kp.sign(DOMAIN.gossipMessage, value);
          const bytes = Uint8Array.from([
            ...new TextEncoder().encode(DOMAIN.gossipMessage),
            0,
            ...canonicalize(value),
          ]);
          expect(verifyRaw(kp.publicKey, bytes, Buffer.from(sig, 'hex'))).toBe(true);
        },
      ),
      { numRuns: 60, seed: 19 },
    );
  });

  it('a message signed in this process is verified from the memo (hit), a tampered one is not', () => {
    const kp = Keypair.fromSeed(seed(45));
    const value = { msg: 'from a node of this simulation' };
    const sig = kp.sign(DOMAIN.gossipMessage, value);
    const before = signatureMemoStats().hits;
    expect(verifySignature(kp.did, DOMAIN.gossipMessage, value, sig)).toBe(true);
    expect(signatureMemoStats().hits).toBe(before + 1);
    expect(verifySignature(kp.did, DOMAIN.gossipMessage, { msg: 'tampered' }, sig)).toBe(false);
    expect(signatureMemoStats().hits).toBe(before + 1);
  });
});

describe('the accepted-DID cache under a hostile peer', () => {
  const order8 = Uint8Array.from(
    Buffer.from('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 'hex'),
  );
  it('a refused key is refused every time, by fromPublicKey and by parse alike', () => {
    for (let i = 0; i < 3; i++) {
      expect(() => Did.fromPublicKey(order8)).toThrow(IdentityError);
      expect(() => Did.parse(`did:icn:z${base58.encode(order8)}`)).toThrow(/small order/);
    }
  });

  it('a derived DID is the parsed one (same key, same spelling), and a copy of the key is kept', () => {
    const kp = Keypair.fromSeed(seed(46));
    const key = Uint8Array.from(kp.publicKey);
    const d1 = Did.fromPublicKey(key);
    key[0] = key[0]! ^ 1; // the caller's buffer changes afterwards
    expect(d1.key).toEqual(kp.publicKey);
    expect(Did.fromPublicKey(kp.publicKey)).toBe(Did.parse(kp.did.toString()));
    expect(Did.parse(kp.did.toString()).equals(kp.did)).toBe(true);
  });
});
