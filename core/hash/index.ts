export {
  contentHash,
  bytesHash,
  domainDigest,
  hashBytes,
  isHash,
  toHex,
  sha256,
  blake3,
} from './hash.js';
export type { Hash } from './hash.js';
export { DOMAIN, DOMAIN_TAG_PATTERN, lookupDomain, allDomainTags } from './domains.js';
export type { DomainName, DomainTag } from './domains.js';
