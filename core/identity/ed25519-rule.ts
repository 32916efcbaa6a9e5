/**
 * ICN's Ed25519 acceptance rule: a consensus rule (docs/identity.md). Every node must give the
 * same verdict on every (key, message, signature), so it is pinned here, in one place, and by
 * the vectors in vectors/ed25519/ (RFC 8032 §7.1 and Project Wycheproof, each with ICN's verdict).
 *
 * Strict RFC 8032 with canonical encodings and the cofactorless equation:
 *   1. the public key A and R decode by RFC 8032 §5.1.3 with y < p (no non-canonical encodings,
 *      no x = 0 with the sign bit set);
 *   2. A is not of small order (the 8 torsion points): for such a key, one fixed signature
 *      (R = identity, S = 0) verifies under every message, so anyone could sign as it;
 *   3. S < L;
 *   4. [S]B = R + [k]A with k = SHA-512(R ‖ A ‖ M) mod L (the cofactorless equation, which
 *      RFC 8032 §5.1.7 allows and OpenSSL, libsodium and ed25519-dalek's verify_strict use).
 * Why not ZIP-215 (cofactored, non-canonical encodings accepted), @noble/curves' default: it
 * gives a key several byte spellings (y and y + p), so one identity would have several DIDs and
 * several hashes, and its cofactored equation accepts signatures by mixed-order keys (aB + T)
 * that OpenSSL, libsodium and ed25519-dalek's verify_strict refuse: an auditor checking a
 * signature with any of those would disagree with the network. Strict RFC 8032 with the
 * cofactorless equation is the rule those verifiers share, and Wycheproof's verdicts follow it.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';

const Point = ed25519.Point;
type P = InstanceType<typeof Point>;
const L = Point.Fn.ORDER;

/** Why a public key is refused (rules 1 and 2), or null for an acceptable key. */
export function publicKeyProblem(key: Uint8Array): string | null {
  if (key.length !== 32) return `an Ed25519 public key has 32 bytes, got ${key.length}`;
  let A: P;
  try {
    A = Point.fromBytes(key, false);
  } catch {
    return 'not a canonical encoding of a point on Ed25519';
  }
  if (A.isSmallOrder()) return 'a point of small order (anyone could sign for it)';
  return null;
}

function leToBigint(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}

/** The rule, computed with @noble/curves' point arithmetic. Never throws. */
export function verifyStrict(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (signature.length !== 64 || publicKeyProblem(publicKey) !== null) return false;
  const rBytes = signature.subarray(0, 32);
  const s = leToBigint(signature.subarray(32));
  if (s >= L) return false;
  let R: P;
  try {
    R = Point.fromBytes(rBytes, false);
  } catch {
    return false;
  }
  const A = Point.fromBytes(publicKey, false);
  const h = new Uint8Array(64 + message.length);
  h.set(rBytes, 0);
  h.set(publicKey, 32);
  h.set(message, 64);
  const k = leToBigint(sha512(h)) % L;
  const SB = s === 0n ? Point.ZERO : Point.BASE.multiply(s);
  const kA = k === 0n ? Point.ZERO : A.multiplyUnsafe(k);
  return SB.equals(R.add(kA));
}
