/**
 * Signatures known to be valid, remembered by a SHA-256 over exactly what was checked:
 * `public key (32 bytes) ‖ signature (128 hex chars) ‖ signed bytes`. The first two parts have a
 * fixed length, so the encoding is injective: a hit means the very same (key, bytes, signature)
 * was found valid before (verification is a pure function of the three), unless SHA-256 has a
 * second preimage. Only "valid" is ever remembered; a refusal is recomputed every time, so no
 * input can make a failed check pass for another one.
 *
 * Bounded: the oldest key is forgotten first (insertion order of a Set, which never reaches any
 * output: the memo only answers "known valid" or "check it").
 */
import { createHash } from 'node:crypto';

export class VerdictMemo {
  private readonly known = new Set<string>();
  private hitCount = 0;

  constructor(private readonly max: number) {}

  /** The memo key of a (key, signature, bytes) triple (a private cache key, never an artifact). */
  static key(publicKey: Uint8Array, signatureHex: string, message: Uint8Array): string {
    return createHash('sha256')
      .update(publicKey)
      .update(signatureHex, 'latin1')
      .update(message)
      .digest('base64');
  }

  has(key: string): boolean {
    const hit = this.known.has(key);
    if (hit) this.hitCount++;
    return hit;
  }

  /** Remember a triple found (or made) valid. */
  add(key: string): void {
    if (this.known.has(key)) return;
    if (this.known.size >= this.max) this.known.delete(this.known.values().next().value!);
    this.known.add(key);
  }

  get size(): number {
    return this.known.size;
  }

  get hits(): number {
    return this.hitCount;
  }
}
