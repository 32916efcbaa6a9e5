/**
 * The Bloom filter's digest (bloom.ts), SHA-256("icn/gossip/bloom/v1" ‖ 0x00 ‖ u32be(salt) ‖ 32
 * digest bytes of the entry hash), computed for its one input shape without allocating.
 *
 * A digest round adds every stored entry to a fresh filter and checks a peer's filter against every
 * stored entry: one SHA-256 per (entry, round, node), most of the gossip engine's hashing. Through
 * node:crypto each costs a Hash object, three updates and a hex decode of the entry hash; here it
 * is two compressions over integers. The 56-byte input always pads to the same two blocks: the
 * first holds the tag, the salt and the entry hash; the second is constant (zeros and the bit
 * length 448), so its message schedule is computed once. The first six words of block one are
 * fixed by the salt, so each filter starts from the state after six rounds. Only the first two
 * digest words are returned (bloom.ts uses d[0..8]). bloom-hash.test.ts checks it against
 * node:crypto on random salts and hashes.
 */
import { DOMAIN, hashBytes } from '../hash/index.js';

// prettier-ignore
const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = Int32Array.from([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));

/** Expand W[0..15] to the 64-word message schedule, in place. */
function expand(w: Int32Array): void {
  for (let t = 16; t < 64; t++) {
    const a = w[t - 15]!;
    const b = w[t - 2]!;
    const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3);
    const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10);
    w[t] = (s1 + w[t - 7]! + s0 + w[t - 16]!) | 0;
  }
}

/** Compression rounds [from, to) over the working state `s` (a..h) with message schedule `w`. */
function rounds(s: Int32Array, from: number, to: number, w: Int32Array): void {
  let a = s[0]!, b = s[1]!, c = s[2]!, d = s[3]!, e = s[4]!, f = s[5]!, g = s[6]!, h = s[7]!; // prettier-ignore
  for (let t = from; t < to; t++) {
    const s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + s1 + ch + K[t]! + w[t]!) | 0;
    const s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    const maj = (a & b) ^ (a & c) ^ (b & c);
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + s0 + maj) | 0;
  }
  s[0] = a;
  s[1] = b;
  s[2] = c;
  s[3] = d;
  s[4] = e;
  s[5] = f;
  s[6] = g;
  s[7] = h;
}

const TAG = new TextEncoder().encode(DOMAIN.gossipBloom + '\u0000');
if (TAG.length !== 20) throw new Error('bloom-hash: the bloom tag must fill exactly five words');
const TAG_WORDS = Array.from({ length: 5 }, (_, i) => new DataView(TAG.buffer).getInt32(4 * i));

// The second block: 56 zero bytes, then the message length in bits (56 · 8 = 448) as a u64.
const W2 = new Int32Array(64);
W2[15] = 448;
expand(W2);

// Hex digit values by char code (-1: not a lowercase hex digit).
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX['0123456789abcdef'.charCodeAt(i)] = i;

/** Scratch space (one engine thread; nothing is kept between calls). */
const w = new Int32Array(64);
const s = new Int32Array(8);
const mid1 = new Int32Array(8);

/** Parse `sha256:<64 lowercase hex>` into words[at..at+8]; anything else throws HASH_SYNTAX as hashBytes does. */
function parseHash(h: string, words: Int32Array, at: number): void {
  if (h.length !== 71 || !h.startsWith('sha256:')) hashBytes(h);
  for (let i = 0; i < 8; i++) {
    let x = 0;
    for (let j = 0; j < 8; j++) {
      const c = h.charCodeAt(7 + 8 * i + j);
      const v = c < 128 ? HEX[c]! : -1;
      if (v < 0) hashBytes(h); // throws
      x = (x << 4) | v;
    }
    words[at + i] = x;
  }
}

/**
 * The words of entry hashes parsed lately: every digest round hashes each stored entry again
 * (under a new salt), so the same hash strings come back. Keyed by the whole string, holding only
 * what parsing that string gave (a refused string is never stored); a ring of PARSED_MAX slots,
 * the oldest overwritten first. Never iterated: it cannot reach an output.
 */
export const PARSED_MAX = 16_384;
const parsedSlot = new Map<string, number>();
const parsedKeys: (string | undefined)[] = new Array<string | undefined>(PARSED_MAX);
const parsedWords = new Int32Array(8 * PARSED_MAX);
let parsedNext = 0;

/** Fill w[6..13] with the 32 bytes of entry hash `h` (throws HASH_SYNTAX when it is not one). */
function readHash(h: string): void {
  const slot = parsedSlot.get(h);
  if (slot !== undefined) {
    for (let i = 0; i < 8; i++) w[6 + i] = parsedWords[8 * slot + i]!;
    return;
  }
  parseHash(h, w, 6); // throws before anything is stored
  const at = parsedNext;
  parsedNext = (parsedNext + 1) % PARSED_MAX;
  const old = parsedKeys[at];
  if (old !== undefined) parsedSlot.delete(old);
  for (let i = 0; i < 8; i++) parsedWords[8 * at + i] = w[6 + i]!;
  parsedKeys[at] = h;
  parsedSlot.set(h, at);
}

/** The digest of one salt's filter: the state after the six rounds the salt fixes. */
export class BloomHasher {
  private readonly mid = new Int32Array(8);
  private readonly head: Int32Array;

  constructor(salt: number) {
    this.head = Int32Array.from([...TAG_WORDS, salt | 0]);
    this.mid.set(IV);
    w.set(this.head);
    rounds(this.mid, 0, 6, w);
  }

  /**
   * d[0..4] and d[4..8] of the digest as unsigned 32-bit numbers, into out[0] and out[1].
   * Throws HASH_SYNTAX when `h` is not a sha256:<hex> hash.
   */
  words(h: string, out: [number, number]): void {
    readHash(h);
    w.set(this.head);
    w[14] = 0x80000000 | 0;
    w[15] = 0;
    expand(w);
    s.set(this.mid);
    rounds(s, 6, 64, w);
    for (let i = 0; i < 8; i++) mid1[i] = (s[i]! + IV[i]!) | 0;
    s.set(mid1);
    rounds(s, 0, 64, W2);
    out[0] = (s[0]! + mid1[0]!) >>> 0;
    out[1] = (s[1]! + mid1[1]!) >>> 0;
  }
}
