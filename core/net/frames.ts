/**
 * Length-prefixed frames for the node-to-node TCP transport: `u32 big-endian length ‖ payload`.
 * Sans-IO: feed whatever bytes the socket delivered, take out whole frames. A frame longer than
 * the limit is a protocol error (the peer is dropped), never an allocation of its claimed size.
 */
import { IcnError } from '../errors.js';

export const DEFAULT_MAX_FRAME = 4 * 1024 * 1024;

export class FrameError extends IcnError {
  override readonly name = 'FrameError';
}

export function encodeFrame(payload: Uint8Array, maxFrame = DEFAULT_MAX_FRAME): Uint8Array {
  if (payload.length > maxFrame) throw new FrameError('FRAME_TOO_LARGE', `frame of ${payload.length} bytes exceeds the limit of ${maxFrame}`);
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length, false);
  out.set(payload, 4);
  return out;
}

export class FrameDecoder {
  private buf = new Uint8Array(0);
  constructor(private readonly maxFrame = DEFAULT_MAX_FRAME) {}

  /** Add received bytes; returns every frame now complete, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    const merged = new Uint8Array(this.buf.length + chunk.length);
    merged.set(this.buf, 0);
    merged.set(chunk, this.buf.length);
    const frames: Uint8Array[] = [];
    let at = 0;
    while (merged.length - at >= 4) {
      const len = new DataView(merged.buffer, merged.byteOffset + at, 4).getUint32(0, false);
      if (len > this.maxFrame) throw new FrameError('FRAME_TOO_LARGE', `peer announced a frame of ${len} bytes (limit ${this.maxFrame})`);
      if (merged.length - at - 4 < len) break;
      frames.push(merged.slice(at + 4, at + 4 + len));
      at += 4 + len;
    }
    this.buf = merged.slice(at);
    return frames;
  }

  /** Bytes received but not yet part of a whole frame. */
  get pending(): number {
    return this.buf.length;
  }
}
