/**
 * Strict UTF-8 decoding for every input that feeds a hash. A lenient decoder replaces invalid
 * bytes (0xff, 0xfe, overlong forms, lone surrogates) with U+FFFD, so two different files would
 * canonicalize, and hash, the same. Here they are an error naming the byte offset.
 */
import { IcnError } from '../errors.js';

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decode `bytes` as UTF-8; invalid input throws UTF8_INVALID with the offset of the first bad byte. */
export function decodeUtf8Strict(bytes: Uint8Array, source = '<input>'): string {
  try {
    return fatal.decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    const b = bytes[at] ?? 0;
    throw new IcnError(
      'UTF8_INVALID',
      `${source}: invalid UTF-8 at byte offset ${at} (0x${b.toString(16).padStart(2, '0')})`,
      { source, offset: at },
    );
  }
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence (Unicode 15, table 3-7); -1 if none. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0; // overlong
      if (c === 0xed) hi = 0x9f; // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90; // overlong
      if (c === 0xf4) hi = 0x8f; // beyond U+10FFFF
    } else return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined) return i;
      if (k === 1 ? d < lo || d > hi : d < 0x80 || d > 0xbf) return i;
    }
    i += n + 1;
  }
  return -1;
}
