import { createHash } from 'node:crypto';

/**
 * The Bloom digest as bloom.ts's header defines it, through node:crypto rather than our code: the
 * two 32-bit words (h1, h2) of SHA-256("icn/gossip/bloom/v1" ‖ 0x00 ‖ salt u32 BE ‖ entry hash).
 */
export function bloomDigestReference(salt: number, entryHash: string): [number, number] {
  const pre = Buffer.alloc(4);
  pre.writeUInt32BE(salt);
  const d = createHash('sha256')
    .update('icn/gossip/bloom/v1')
    .update(Buffer.from([0]))
    .update(pre)
    .update(Buffer.from(entryHash.slice(7), 'hex'))
    .digest();
  return [d.readUInt32BE(0), d.readUInt32BE(4)];
}
