/**
 * Identities: Ed25519 keys and `did:icn:` identifiers, exactly as ICN spells them
 * (`did:icn:z` + base58btc of the raw 32-byte public key, no multicodec prefix).
 * Signatures always cover `domain tag ‖ 0x00 ‖ canonical bytes` of a value, never raw caller
 * bytes, so a signature for one purpose can never be replayed as another.
 */
import {
  createPrivateKey,
  createPublicKey,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import { base58 } from '@scure/base';
import { canonicalString } from '../canonical/canonicalize.js';
import { IcnError } from '../errors.js';
import { toHex } from '../hash/hash.js';
import type { DomainTag } from '../hash/domains.js';
import { publicKeyProblem, verifyStrict } from './ed25519-rule.js';
import { VerdictMemo } from './verdict-memo.js';

const PREFIX = 'did:icn:z';
const utf8 = new TextEncoder();
const SIG_RE = /^[0-9a-f]{128}$/;

export type IdentityErrorCode =
  'DID_SYNTAX' | 'DID_KEY_LENGTH' | 'DID_NOT_A_KEY' | 'DID_SMALL_ORDER_KEY' | 'KEY_SEED_LENGTH';

export class IdentityError extends IcnError {
  override readonly name = 'IdentityError';
}

// `domain ‖ 0x00 ‖ canonical bytes` in one UTF-8 encoding and no copy: the UTF-8 of a concatenation
// of well-formed strings is the concatenation of their UTF-8 (a NUL stands between them).
function signingBytes(domain: DomainTag, value: unknown): Uint8Array {
  return utf8.encode(domain + '\u0000' + canonicalString(value));
}

// Ed25519 through node:crypto (OpenSSL) is about ten times faster than @noble/curves and, signing
// being deterministic (RFC 8032), byte-identical: tests compare the two on random keys. The
// acceptance rule is ICN's (ed25519-rule.ts: canonical encodings, no small-order key, S < L,
// cofactorless equation). The key is checked by the rule first; OpenSSL's "valid" then implies
// the rule (it checks S < L and compares R's canonical encoding under the cofactorless equation),
// so it is final, and only its "invalid" is asked again of verifyStrict: the verdict is the rule's
// on every platform and OpenSSL version; OpenSSL only makes the common case fast.
//
// Keys are imported as JWK, not DER: OpenSSL's DER decoder costs ~0.5 ms a key, a JWK import ~0.07 ms.
// DER stays only as the fallback for a Node that refuses the JWK forms below.
const PKCS8_ED25519 = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
const SPKI_ED25519 = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);
// A private JWK must carry some `x`; OpenSSL derives the public key from `d` alone (raw private key
// import), and the public key we publish is read back from the imported key. identity.test.ts
// checks keys and signatures against @noble/curves on random seeds, and the ed25519 vectors
// (RFC 8032) check them in every conformance run.
const PLACEHOLDER_X = 'A'.repeat(43);

function derKey(prefix: Uint8Array, key: Uint8Array): Buffer {
  const der = Buffer.alloc(prefix.length + key.length);
  der.set(prefix, 0);
  der.set(key, prefix.length);
  return der;
}

const b64url = (b: Uint8Array) =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');

function importPublicKey(key: Uint8Array): KeyObject {
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(key) }, format: 'jwk' });
  } catch {
    return createPublicKey({ key: derKey(SPKI_ED25519, key), format: 'der', type: 'spki' });
  }
}

/** The secret key object of a seed and its raw 32-byte public key. */
function importSeed(seed: Uint8Array): { secret: KeyObject; publicKey: Uint8Array } {
  let secret: KeyObject;
  try {
    secret = createPrivateKey({
      key: { kty: 'OKP', crv: 'Ed25519', d: b64url(seed), x: PLACEHOLDER_X },
      format: 'jwk',
    });
  } catch {
    secret = createPrivateKey({ key: derKey(PKCS8_ED25519, seed), format: 'der', type: 'pkcs8' });
  }
  const { x } = createPublicKey(secret).export({ format: 'jwk' }); // an OKP key always has x
  return { secret, publicKey: Uint8Array.from(Buffer.from(x!, 'base64url')) };
}

// A cache, never iterated: its order cannot reach any output. Bounded by clearing when full.
// `false`: the rule refuses the key; null: OpenSSL will not decode it.
const publicKeyObjects = new Map<string, KeyObject | null | false>();
const PUBLIC_KEY_CACHE_MAX = 16_384;

function decodeForOpenssl(key: Uint8Array): KeyObject | null {
  try {
    return importPublicKey(key);
  } catch {
    return null;
  }
}

/** OpenSSL's key object for a public key, null when OpenSSL will not decode it, false when the rule refuses the key. */
function opensslPublicKey(key: Uint8Array): KeyObject | null | false {
  const id = toHex(key);
  let k = publicKeyObjects.get(id);
  if (k === undefined) {
    k = publicKeyProblem(key) === null ? decodeForOpenssl(key) : false;
    if (publicKeyObjects.size >= PUBLIC_KEY_CACHE_MAX) publicKeyObjects.clear();
    publicKeyObjects.set(id, k);
  }
  return k;
}

function verifyBytes(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  const k = opensslPublicKey(publicKey);
  if (k === false) return false;
  if (k !== null) {
    try {
      if (nodeVerify(null, message, k, signature)) return true;
    } catch {
      // fall through to the authoritative check
    }
  }
  return verifyStrict(publicKey, message, signature);
}

/** A decentralized identifier: an Ed25519 public key. Equal by key bytes, not by spelling. */
export class Did {
  private constructor(
    readonly key: Uint8Array,
    /** The spelling it was parsed from (display keeps it). */
    readonly text: string,
  ) {}

  static fromPublicKey(key: Uint8Array): Did {
    if (key.length !== 32)
      throw new IdentityError(
        'DID_KEY_LENGTH',
        `an Ed25519 public key has 32 bytes, got ${key.length}`,
      );
    // A key already accepted (as a parsed or derived DID) is not decompressed again: the cache
    // holds only DIDs whose key passed the rule, under their canonical spelling (one per key).
    const text = PREFIX + base58.encode(key);
    const known = parsedDids.get(text);
    if (known) return known;
    checkPoint(key, 'public key');
    return rememberDid(text, new Did(Uint8Array.from(key), text));
  }

  /**
   * Parse `did:icn:z…`. Rejects other methods, bad base58, wrong lengths, and keys the signature
   * rule refuses (non-canonical encodings, points off the curve, small-order points): one
   * decoding rule for parsing a DID and verifying with it (ed25519-rule.ts).
   */
  static parse(text: string): Did {
    if (typeof text !== 'string')
      throw new IdentityError('DID_SYNTAX', `a DID is a string, got ${typeof text}`);
    // The curve check decompresses a point (about a tenth of a state-changing execution's CPU):
    // spellings already accepted are remembered (only valid ones, so a refusal is never cached).
    const known = parsedDids.get(text);
    if (known) return known;
    return rememberDid(text, Did.parseUncached(text));
  }

  private static parseUncached(text: string): Did {
    if (!text.startsWith(PREFIX)) {
      throw new IdentityError(
        'DID_SYNTAX',
        `${JSON.stringify(text.slice(0, 60))} is not a did:icn: identifier (expected "${PREFIX}<base58btc key>")`,
      );
    }
    let key: Uint8Array;
    try {
      key = base58.decode(text.slice(PREFIX.length));
    } catch {
      throw new IdentityError(
        'DID_SYNTAX',
        `${JSON.stringify(text.slice(0, 60))}: the key is not valid base58btc`,
      );
    }
    if (key.length !== 32)
      throw new IdentityError(
        'DID_KEY_LENGTH',
        `${JSON.stringify(text.slice(0, 60))}: the key has ${key.length} bytes, an Ed25519 key has 32`,
      );
    checkPoint(key, JSON.stringify(text.slice(0, 60)));
    return new Did(key, text);
  }

  private canonical: string | undefined;

  /** The canonical spelling (base58 of the key bytes), computed once. */
  toString(): string {
    return (this.canonical ??= PREFIX + base58.encode(this.key));
  }

  toJSON(): string {
    return this.toString();
  }

  equals(other: Did): boolean {
    if (other.key.length !== this.key.length) return false;
    let d = 0;
    for (let i = 0; i < this.key.length; i++) d |= this.key[i]! ^ other.key[i]!;
    return d === 0;
  }
}

// A cache, never iterated (as publicKeyObjects): spelling → parsed Did. Bounded by clearing when full.
const parsedDids = new Map<string, Did>();
const PARSED_DID_CACHE_MAX = 16_384;

function rememberDid(text: string, did: Did): Did {
  if (parsedDids.size >= PARSED_DID_CACHE_MAX) parsedDids.clear();
  parsedDids.set(text, did);
  return did;
}

function checkPoint(key: Uint8Array, what: string): void {
  const why = publicKeyProblem(key);
  if (why === null) return;
  const code = why.startsWith('a point of small order') ? 'DID_SMALL_ORDER_KEY' : 'DID_NOT_A_KEY';
  throw new IdentityError(code, `${what} is not an acceptable Ed25519 public key: ${why}`);
}

/** An Ed25519 key pair from a 32-byte seed (the seed is the RFC 8032 secret key). */
export class Keypair {
  readonly did: Did;
  private constructor(
    private readonly secret: KeyObject,
    readonly publicKey: Uint8Array,
  ) {
    this.did = Did.fromPublicKey(publicKey);
  }

  static fromSeed(seed: Uint8Array): Keypair {
    if (!(seed instanceof Uint8Array) || seed.length !== 32) {
      throw new IdentityError(
        'KEY_SEED_LENGTH',
        `an Ed25519 seed has 32 bytes, got ${seed instanceof Uint8Array ? seed.length : typeof seed}`,
      );
    }
    const { secret, publicKey } = importSeed(seed);
    return new Keypair(secret, publicKey);
  }

  /** Sign `domain ‖ 0x00 ‖ canonical(value)`; returns 128 lowercase hex chars. */
  sign(domain: DomainTag, value: unknown): string {
    const message = signingBytes(domain, value);
    const signature = toHex(this.signRaw(message));
    signatureMemo.add(VerdictMemo.key(this.publicKey, signature, message));
    return signature;
  }

  /** Raw RFC 8032 signature over exact bytes. Only for test vectors and foreign formats. */
  signRaw(message: Uint8Array): Uint8Array {
    return Uint8Array.from(nodeSign(null, message, this.secret));
  }
}

// Signatures known valid (verdict-memo.ts: keyed by a SHA-256 of the exact key, signature and
// signed bytes; only "valid" is remembered). Two sources: a check that passed (a gossip entry, a
// call or a receipt is verified again by every node that relays, stores or replays it) and
// Keypair.sign, whose output is valid under the rule by construction (RFC 8032 signing is
// deterministic, S < L and R canonical, the key is checked by Did.fromPublicKey, and an honest
// signature satisfies the cofactorless equation): a simulation verifies, in the same process,
// every message its nodes sign. identity.test.ts checks that each signature sign() makes passes
// the full check on its own.
const signatureMemo = new VerdictMemo(16_384);

/** Entries and hits of the process's signature memo (tests and diagnostics). */
export function signatureMemoStats(): { entries: number; hits: number } {
  return { entries: signatureMemo.size, hits: signatureMemo.hits };
}

/** Verify a signature made by Keypair.sign. Never throws on a bad signature: returns false. */
export function verifySignature(
  signer: Did,
  domain: DomainTag,
  value: unknown,
  signatureHex: string,
): boolean {
  if (typeof signatureHex !== 'string' || !SIG_RE.test(signatureHex)) return false;
  const message = signingBytes(domain, value);
  const key = VerdictMemo.key(signer.key, signatureHex, message);
  if (signatureMemo.has(key)) return true;
  const ok = verifyBytes(signer.key, message, Buffer.from(signatureHex, 'hex'));
  if (ok) signatureMemo.add(key);
  return ok;
}

/** Raw RFC 8032 verification over exact bytes (test vectors, foreign formats). */
export function verifyRaw(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  return verifyBytes(publicKey, message, signature);
}

declare module '../errors.js' {
  interface ErrorCodes {
    identity: IdentityErrorCode;
  }
}
