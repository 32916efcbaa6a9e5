/**
 * The Bloom filter's digest (bloom.ts): SHA-256("icn/gossip/bloom/v1" ‖ 0x00 ‖ u32be(salt) ‖ the 32
 * bytes of the entry hash), of which bloom.ts uses the first two words.
 *
 * A digest round adds every stored entry to a fresh filter and checks a peer's filter against every
 * stored entry: one SHA-256 per (entry, round, node), most of the gossip engine's hashing. Through
 * node:crypto each cost a Hash object, four updates and a hex decode of the entry hash. Here the
 * SHA-256 is @noble/hashes' (the project's audited implementation), fed the 24-byte prefix once
 * per salt and cloned into one scratch hasher per entry; entry hashes are decoded once and kept in
 * a small ring (a digest round meets the same hashes under a new salt). bloom-hash.test.ts checks
 * it against node:crypto on random salts and hashes.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { DOMAIN, hashBytes } from '../hash/index.js';

const TAG = new TextEncoder().encode(DOMAIN.gossipBloom + '\u0000');

type Sha256 = ReturnType<typeof sha256.create>;
/** Scratch space (one engine thread; nothing is kept between calls). */
const scratch: Sha256 = sha256.create();
const digest = new Uint8Array(32);
const digestView = new DataView(digest.buffer);

/**
 * The bytes of entry hashes decoded lately: every digest round hashes each stored entry again
 * (under a new salt), so the same hash strings come back. Keyed by the whole string, holding only
 * what hashBytes gave for that string (a refused string throws and is never stored); a ring of
 * PARSED_MAX slots, the oldest overwritten first. Never iterated: it cannot reach an output.
 */
export const PARSED_MAX = 16_384;
const parsed = new Map<string, Uint8Array>();
const parsedKeys: (string | undefined)[] = new Array<string | undefined>(PARSED_MAX);
let parsedNext = 0;

/** The 32 bytes of entry hash `h` (throws HASH_SYNTAX when it is not one, as hashBytes does). */
function entryBytes(h: string): Uint8Array {
  const known = parsed.get(h);
  if (known !== undefined) return known;
  const bytes = hashBytes(h); // throws before anything is stored
  const old = parsedKeys[parsedNext];
  if (old !== undefined) parsed.delete(old);
  parsedKeys[parsedNext] = h;
  parsedNext = (parsedNext + 1) % PARSED_MAX;
  parsed.set(h, bytes);
  return bytes;
}

/** The digest of one salt's filter: SHA-256 with the tag and the salt already fed. */
export class BloomHasher {
  private readonly prefix: Sha256;

  constructor(salt: number) {
    const s = new Uint8Array(4);
    new DataView(s.buffer).setUint32(0, salt >>> 0);
    this.prefix = sha256.create().update(TAG).update(s);
  }

  /**
   * d[0..4] and d[4..8] of the digest as unsigned 32-bit numbers, into out[0] and out[1].
   * Throws HASH_SYNTAX when `h` is not a sha256:<hex> hash.
   */
  words(h: string, out: [number, number]): void {
    const bytes = entryBytes(h);
    this.prefix._cloneInto(scratch).update(bytes).digestInto(digest);
    out[0] = digestView.getUint32(0);
    out[1] = digestView.getUint32(4);
  }
}
