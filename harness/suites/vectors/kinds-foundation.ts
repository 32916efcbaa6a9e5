/** Vector kinds of the foundation: JCS canonicalization, Ed25519, DIDs, content hashes. */
import { canonicalize, dec, parseStrictJson } from '../../../core/canonical/index.js';
import { IcnError } from '../../../core/errors.js';
import { bytesHash, contentHash, DOMAIN, lookupDomain, toHex } from '../../../core/hash/index.js';
import { Did, Keypair, verifyRaw } from '../../../core/identity/index.js';
import type { VectorCase, VectorKind, VectorVerdict } from './format.js';

function str(c: VectorCase, field: string): string {
  const v = c[field];
  if (typeof v !== 'string') throw new IcnError('VECTOR_FIELD', `case ${c.name}: field ${field} must be a string`);
  return v;
}

function errorOf(e: unknown): string {
  if (e instanceof IcnError) {
    const path = typeof e.details.path === 'string' ? `@${e.details.path}` : '';
    return `${e.code}${path}`;
  }
  throw e;
}

/**
 * jcs: `input` is JSON text; `expect` is either `{canonical: "<text>"}` or `{error: "CODE@$.path"}`.
 * Output `canonical` is the hash of the canonical bytes, or `error` the typed error.
 */
export const jcsKind: VectorKind = {
  kind: 'jcs',
  check(c) {
    const expect = c.expect as { canonical?: string; error?: string };
    let outputs: Record<string, string>;
    let got: string;
    try {
      const bytes = canonicalize(parseStrictJson(str(c, 'input'), `case ${c.name}`));
      got = new TextDecoder().decode(bytes);
      outputs = { canonical: bytesHash(DOMAIN.vectorHash, bytes) };
      if (expect.canonical !== undefined) {
        return { outputs, ok: got === expect.canonical, reason: got === expect.canonical ? undefined : `expected ${JSON.stringify(expect.canonical)}, got ${JSON.stringify(got)}` };
      }
      return { outputs, ok: false, reason: `expected error ${expect.error}, got canonical ${JSON.stringify(got)}` };
    } catch (e) {
      got = errorOf(e);
      outputs = { error: got };
      const ok = expect.error === got;
      return { outputs, ok, reason: ok ? undefined : `expected ${expect.canonical !== undefined ? 'canonical output' : expect.error}, got error ${got}` };
    }
  },
};

/** ed25519: RFC 8032 vectors (hex): public key derivation, deterministic signature, verification. */
export const ed25519Kind: VectorKind = {
  kind: 'ed25519',
  check(c) {
    const sk = dec.bytes(str(c, 'secretKey'));
    const pk = str(c, 'publicKey');
    const msg = dec.bytes(str(c, 'message'));
    const sig = str(c, 'signature');
    const kp = Keypair.fromSeed(sk);
    const gotPk = toHex(kp.publicKey);
    const gotSig = toHex(kp.signRaw(msg));
    const verifies = verifyRaw(kp.publicKey, msg, dec.bytes(sig));
    const tampered = dec.bytes(sig);
    tampered[0] = tampered[0]! ^ 1;
    const rejectsTampered = !verifyRaw(kp.publicKey, msg, tampered);
    const problems: string[] = [];
    if (gotPk !== pk) problems.push(`public key ${gotPk} ≠ ${pk}`);
    if (gotSig !== sig) problems.push(`signature ${gotSig} ≠ ${sig}`);
    if (!verifies) problems.push('signature does not verify');
    if (!rejectsTampered) problems.push('a tampered signature verifies');
    return { outputs: { publicKey: gotPk, signature: gotSig }, ok: problems.length === 0, reason: problems.join('; ') || undefined };
  },
};

/**
 * ed25519-verify: an external verification vector (Wycheproof) with ICN's pinned verdict:
 * `publicKey`, `message`, `signature` (hex; a signature of the wrong length is invalid), `expect`
 * "valid" or "invalid". Output `verdict`; fails when it is not `expect`.
 */
export const ed25519VerifyKind: VectorKind = {
  kind: 'ed25519-verify',
  check(c) {
    const expect = str(c, 'expect');
    if (expect !== 'valid' && expect !== 'invalid') throw new IcnError('VECTOR_FIELD', `case ${c.name}: expect must be "valid" or "invalid"`);
    const sig = dec.bytes(str(c, 'signature'));
    const key = dec.bytes(str(c, 'publicKey'));
    const verdict = sig.length === 64 && key.length === 32 && verifyRaw(key, dec.bytes(str(c, 'message')), sig) ? 'valid' : 'invalid';
    return { outputs: { verdict }, ok: verdict === expect, reason: verdict === expect ? undefined : `expected ${expect}, got ${verdict}` };
  },
};

/** did: `seed` (hex) → `did`; or `parse` (text) → `error` code. */
export const didKind: VectorKind = {
  kind: 'did',
  check(c): VectorVerdict {
    if (typeof c.seed === 'string') {
      const did = Keypair.fromSeed(dec.bytes(c.seed)).did.toString();
      const roundTrip = Did.parse(did).toString();
      const ok = did === c.did && roundTrip === did;
      return { outputs: { did }, ok, reason: ok ? undefined : `expected ${String(c.did)}, got ${did}` };
    }
    try {
      const did = Did.parse(str(c, 'parse')).toString();
      return { outputs: { did }, ok: false, reason: `expected error ${String(c.error)}, parsed as ${did}` };
    } catch (e) {
      const got = errorOf(e);
      return { outputs: { error: got }, ok: got === c.error, reason: got === c.error ? undefined : `expected ${String(c.error)}, got ${got}` };
    }
  },
};

/** hash: `domain` + JSON `value` → `hash`, pinned by an independent sha256sum. */
export const hashKind: VectorKind = {
  kind: 'hash',
  check(c) {
    const domain = lookupDomain(str(c, 'domain'));
    if (!domain) throw new IcnError('VECTOR_FIELD', `case ${c.name}: unknown domain ${String(c.domain)}`);
    const got = contentHash(domain, c.value);
    return { outputs: { hash: got }, ok: got === c.hash, reason: got === c.hash ? undefined : `expected ${String(c.hash)}, got ${got}` };
  },
};

export const FOUNDATION_KINDS: VectorKind[] = [jcsKind, ed25519Kind, ed25519VerifyKind, didKind, hashKind];
