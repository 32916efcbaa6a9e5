/**
 * The one hash function of the project: SHA-256 over `domain tag ‖ 0x00 ‖ payload`, printed as
 * `sha256:<64 lowercase hex>`. `contentHash` hashes the canonical bytes of a value; `bytesHash`
 * hashes raw bytes (wasm modules, memories). BLAKE3 is exported only for ICN's own byte formats
 * (governance decision/vote hashes), which fix their own tags.
 */
import { createHash } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { blake3 } from '@noble/hashes/blake3.js';
import { canonicalString } from '../canonical/canonicalize.js';
import { IcnError } from '../errors.js';
import { DOMAIN_TAG_PATTERN, lookupDomain, type DomainTag } from './domains.js';

export type Hash = `sha256:${string}`;

const utf8 = new TextEncoder();
const HASH_RE = /^sha256:[0-9a-f]{64}$/;

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

const SEPARATOR = Uint8Array.of(0);

function checkDomain(domain: string): void {
  if (!DOMAIN_TAG_PATTERN.test(domain) || lookupDomain(domain) === undefined) {
    throw new IcnError(
      'HASH_UNKNOWN_DOMAIN',
      `unknown domain tag ${JSON.stringify(domain)}: add it to core/hash/domains.ts`,
      { domain },
    );
  }
}

/** Raw SHA-256 digest of `tag ‖ 0x00 ‖ payload`. */
export function domainDigest(domain: DomainTag, payload: Uint8Array): Uint8Array {
  checkDomain(domain);
  return new Uint8Array(
    createHash('sha256').update(utf8.encode(domain)).update(SEPARATOR).update(payload).digest(),
  );
}

/** Hash of a value's canonical bytes under a domain tag. Throws CanonicalError on bad values. */
export function contentHash(domain: DomainTag, value: unknown): Hash {
  checkDomain(domain);
  const text = canonicalString(value);
  return `sha256:${createHash('sha256').update(domain, 'utf8').update(SEPARATOR).update(text, 'utf8').digest('hex')}`;
}

/** Hash of raw bytes under a domain tag. */
export function bytesHash(domain: DomainTag, bytes: Uint8Array): Hash {
  return `sha256:${toHex(domainDigest(domain, bytes))}`;
}

export function isHash(s: unknown): s is Hash {
  return typeof s === 'string' && HASH_RE.test(s);
}

/** The 32 digest bytes of a printed hash. Throws HASH_SYNTAX. */
export function hashBytes(h: string): Uint8Array {
  if (!isHash(h))
    throw new IcnError(
      'HASH_SYNTAX',
      `${JSON.stringify(h).slice(0, 80)} is not sha256:<64 lowercase hex>`,
    );
  return new Uint8Array(Buffer.from(h.slice(7), 'hex'));
}

export { sha256, blake3 };
