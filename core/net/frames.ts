/**
 * Length-prefixed frames for the node-to-node TCP transport: `u32 big-endian length ‖ payload`.
 * Sans-IO: feed whatever bytes the socket delivered, take out whole frames. A frame longer than
 * the limit is a protocol error (the peer is dropped) as soon as its 4-byte header is in, before
 * any of its payload is kept: never an allocation of its claimed size. Received chunks are kept
 * as a list and copied once, when a frame is whole (no re-copy of the buffer on every chunk).
 */
import { IcnError } from '../errors.js';

export const DEFAULT_MAX_FRAME = 4 * 1024 * 1024;
/** Largest frame before a peer is authenticated (hello and proof are a few hundred bytes). */
export const DEFAULT_MAX_HANDSHAKE_FRAME = 4 * 1024;

export type FrameErrorCode = 'FRAME_TOO_LARGE';

export class FrameError extends IcnError {
  override readonly name = 'FrameError';
}

export function encodeFrame(payload: Uint8Array, maxFrame = DEFAULT_MAX_FRAME): Uint8Array {
  if (payload.length > maxFrame)
    throw new FrameError(
      'FRAME_TOO_LARGE',
      `frame of ${payload.length} bytes exceeds the limit of ${maxFrame}`,
    );
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length, false);
  out.set(payload, 4);
  return out;
}

export class FrameDecoder {
  private chunks: Uint8Array[] = [];
  private size = 0;
  /** Payload length of the frame being received, once its header is in; -1 before. */
  private need = -1;
  /**
   * Largest payload accepted; may be raised between frames (after a handshake). Checked when a
   * header is read, so a frame is judged by the limit in force when it starts.
   */
  maxFrame: number;

  constructor(maxFrame = DEFAULT_MAX_FRAME) {
    this.maxFrame = maxFrame;
  }

  /** Add received bytes; returns every frame now complete, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.feed(chunk);
    const frames: Uint8Array[] = [];
    for (let f = this.next(); f; f = this.next()) frames.push(f);
    return frames;
  }

  /** Add received bytes without decoding (take frames with `next`). */
  feed(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  /** The next whole frame, or undefined; throws FRAME_TOO_LARGE as soon as an oversize header is in. */
  next(): Uint8Array | undefined {
    if (this.need < 0) {
      if (this.size < 4) return undefined;
      const len = new DataView(this.take(4, false).buffer).getUint32(0, false);
      if (len > this.maxFrame) {
        this.chunks = [];
        this.size = 0;
        throw new FrameError(
          'FRAME_TOO_LARGE',
          `peer announced a frame of ${len} bytes (limit ${this.maxFrame})`,
        );
      }
      this.take(4, true);
      this.need = len;
    }
    if (this.size < this.need) return undefined;
    const frame = this.take(this.need, true);
    this.need = -1;
    return frame;
  }

  /** Bytes received but not yet part of a whole frame. */
  get pending(): number {
    return this.size + (this.need >= 0 ? 4 : 0);
  }

  /** The first `n` buffered bytes (a fresh copy), removed when `consume`. */
  private take(n: number, consume: boolean): Uint8Array {
    const out = new Uint8Array(n);
    let at = 0;
    let i = 0;
    while (at < n) {
      const c = this.chunks[i]!;
      const k = Math.min(n - at, c.length);
      out.set(c.subarray(0, k), at);
      at += k;
      if (consume) {
        if (k === c.length) i++;
        else this.chunks[i] = c.subarray(k);
      } else i++;
    }
    if (consume) {
      this.chunks.splice(0, i);
      this.size -= n;
    }
    return out;
  }
}

declare module '../errors.js' {
  interface ErrorCodes {
    frames: FrameErrorCode;
  }
}
