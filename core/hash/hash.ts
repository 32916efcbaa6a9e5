/**
 * The one hash function of the project: SHA-256 over `domain tag ‖ 0x00 ‖ payload`, printed as
 * `sha256:<64 lowercase hex>`. `contentHash` hashes the canonical bytes of a value; `bytesHash`
 * hashes raw bytes (wasm modules, memories). BLAKE3 is exported only for ICN's own byte formats
 * (governance decision/vote hashes), which fix their own tags.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { blake3 } from '@noble/hashes/blake3.js';
import { canonicalize } from '../canonical/canonicalize.js';
import { IcnError } from '../errors.js';
import { DOMAIN_TAG_PATTERN, lookupDomain, type DomainTag } from './domains.js';

export type Hash = `sha256:${string}`;

const utf8 = new TextEncoder();
const HASH_RE = /^sha256:[0-9a-f]{64}$/;

export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function checkDomain(domain: string): void {
  if (!DOMAIN_TAG_PATTERN.test(domain) || lookupDomain(domain) === undefined) {
    throw new IcnError('HASH_UNKNOWN_DOMAIN', `unknown domain tag ${JSON.stringify(domain)}: add it to core/hash/domains.ts`, { domain });
  }
}

/** Raw SHA-256 digest of `tag ‖ 0x00 ‖ payload`. */
export function domainDigest(domain: DomainTag, payload: Uint8Array): Uint8Array {
  checkDomain(domain);
  const tag = utf8.encode(domain);
  const buf = new Uint8Array(tag.length + 1 + payload.length);
  buf.set(tag, 0);
  buf[tag.length] = 0;
  buf.set(payload, tag.length + 1);
  return sha256(buf);
}

/** Hash of a value's canonical bytes under a domain tag. Throws CanonicalError on bad values. */
export function contentHash(domain: DomainTag, value: unknown): Hash {
  return `sha256:${toHex(domainDigest(domain, canonicalize(value)))}`;
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
  if (!isHash(h)) throw new IcnError('HASH_SYNTAX', `${JSON.stringify(h).slice(0, 80)} is not sha256:<64 lowercase hex>`);
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(h.slice(7 + 2 * i, 9 + 2 * i), 16);
  return out;
}

export { sha256, blake3 };
