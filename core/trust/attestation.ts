/**
 * Signed trust attestations: `from` states its direct trust in `to`, in ppm, at a logical time.
 * The attester's Ed25519 signature covers `icn/trust/attestation/v1 ‖ 0x00 ‖ canonical(body)`.
 *
 * Supersede rule (total order, so every node keeps the same edge whatever the arrival order):
 * for one (from, to) pair the attestation with the greater `issued_at` wins; at equal `issued_at`
 * the one with the greater attestation hash (byte order of the digest) wins; equal hashes are the
 * same attestation. `issued_at` is the attester's integer time in ms: it is only compared, never
 * checked against a clock (ICN's wall-clock expiry is gone: see icn-semantics.md, unsound #4).
 */
import { contentHash, DOMAIN, type Hash } from '../hash/index.js';
import { Did, verifySignature, type Keypair } from '../identity/index.js';
import { TrustError } from './errors.js';
import { PPM } from './oracle.js';

export const TRUST_ATTESTATION_VERSION = 'icn-trust-attestation/v1';

export interface TrustAttestationBody {
  version: typeof TRUST_ATTESTATION_VERSION;
  /** Attester (canonical did:icn spelling). */
  from: string;
  /** Subject (canonical did:icn spelling). */
  to: string;
  /** Direct trust in ppm, 0..1_000_000. */
  score_ppm: number;
  /** Attester's logical time, integer ms ≥ 0 (only ordered, never read from a clock). */
  issued_at: number;
}

export interface SignedTrustAttestation extends TrustAttestationBody {
  /** Ed25519 signature by `from`, 128 lowercase hex. */
  signature: string;
}

export function attestationBody(a: TrustAttestationBody): TrustAttestationBody {
  return {
    version: a.version,
    from: a.from,
    to: a.to,
    score_ppm: a.score_ppm,
    issued_at: a.issued_at,
  };
}

export function attestationHash(a: TrustAttestationBody): Hash {
  return contentHash(DOMAIN.trustAttestation, attestationBody(a));
}

/** Check shape and ranges; returns the body with DIDs in canonical spelling. Throws TrustError. */
export function checkAttestationBody(a: unknown): TrustAttestationBody {
  const bad = (why: string): never => {
    throw new TrustError('TRUST_ATTESTATION_FORMAT', `trust attestation: ${why}`);
  };
  if (a === null || typeof a !== 'object') bad('not an object');
  const o = a as Record<string, unknown>;
  if (o.version !== TRUST_ATTESTATION_VERSION)
    bad(`version must be ${JSON.stringify(TRUST_ATTESTATION_VERSION)}`);
  if (typeof o.from !== 'string' || typeof o.to !== 'string')
    bad('from and to must be did:icn strings');
  const from = Did.parse(o.from as string);
  const to = Did.parse(o.to as string);
  if (from.equals(to))
    throw new TrustError('TRUST_SELF_EDGE', `trust attestation: ${from} attests trust in itself`);
  const s = o.score_ppm;
  if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0 || s > PPM) {
    throw new TrustError(
      'TRUST_SCORE_RANGE',
      `trust attestation: score_ppm ${String(s)} is not an integer in 0..${PPM}`,
    );
  }
  const t = o.issued_at;
  if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0)
    bad(`issued_at ${String(t)} is not a non-negative safe integer`);
  return {
    version: TRUST_ATTESTATION_VERSION,
    from: from.toString(),
    to: to.toString(),
    score_ppm: s as number,
    issued_at: t as number,
  };
}

export function signAttestation(
  kp: Keypair,
  to: Did,
  scorePpm: number,
  issuedAt: number,
): SignedTrustAttestation {
  const body = checkAttestationBody({
    version: TRUST_ATTESTATION_VERSION,
    from: kp.did.toString(),
    to: to.toString(),
    score_ppm: scorePpm,
    issued_at: issuedAt,
  });
  return { ...body, signature: kp.sign(DOMAIN.trustAttestation, body) };
}

/** Validate and verify a signed attestation. Throws TRUST_ATTESTATION_FORMAT / TRUST_BAD_SIGNATURE. */
export function verifyAttestation(a: unknown): SignedTrustAttestation {
  const body = checkAttestationBody(a);
  const sig = (a as { signature?: unknown }).signature;
  if (
    typeof sig !== 'string' ||
    !verifySignature(Did.parse(body.from), DOMAIN.trustAttestation, body, sig)
  ) {
    throw new TrustError(
      'TRUST_BAD_SIGNATURE',
      `trust attestation ${body.from} → ${body.to}: signature does not verify`,
    );
  }
  return { ...body, signature: sig };
}

/** >0 when `a` supersedes `b` (same pair), <0 when `b` does, 0 when they are the same attestation. */
export function compareAttestations(
  a: { issued_at: number; hash: Hash },
  b: { issued_at: number; hash: Hash },
): number {
  if (a.issued_at !== b.issued_at) return a.issued_at > b.issued_at ? 1 : -1;
  if (a.hash === b.hash) return 0;
  return a.hash > b.hash ? 1 : -1; // same-length lowercase hex: code-unit order = byte order
}
