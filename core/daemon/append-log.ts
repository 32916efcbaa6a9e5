/**
 * Durable state for the icn-node daemon: an append-only log of canonical JSON records.
 *
 * Why not an embedded database: the well-kept ones (better-sqlite3, classic-level) are native
 * addons, and npm here blocks dependency install scripts, so they cannot build; a log is also
 * what the node needs (its state is a fold over accepted entries) and is easy to audit.
 *
 * Record: `u32 LE payload length ‖ payload (canonical JSON) ‖ first 8 bytes of SHA-256(payload)`.
 * `append` returns only after fsync, so an acknowledged record survives kill -9. On open, the log
 * is scanned; a torn or corrupt tail (a crash mid-write) is cut off at the last whole record and
 * reported, never silently skipped in the middle: a bad record followed by good ones is an error.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { canonicalize, parseStrictJson } from '../canonical/index.js';
import { IcnError } from '../errors.js';

const HEADER = 4;
const CHECK = 8;
export const MAX_RECORD = 16 * 1024 * 1024;

export class LogError extends IcnError {
  override readonly name = 'LogError';
}

export interface OpenReport {
  records: number;
  /** Bytes cut from a torn tail on open (0 when the log was clean). */
  truncatedBytes: number;
}

function checksum(payload: Uint8Array): Uint8Array {
  return sha256(payload).subarray(0, CHECK);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class AppendLog {
  private constructor(
    private fd: number,
    readonly path: string,
    private readonly items: unknown[],
    private size: number,
    readonly openReport: OpenReport,
  ) {}

  /** Open (creating if needed) and replay the log. */
  static open(path: string): AppendLog {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(path, existsSync(path) ? 'r+' : 'w+');
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(size);
    if (size > 0) readSync(fd, buf, 0, size, 0);
    const items: unknown[] = [];
    let at = 0;
    let goodEnd = 0;
    while (at < size) {
      if (size - at < HEADER) break;
      const len = buf.readUInt32LE(at);
      if (len > MAX_RECORD || size - at < HEADER + len + CHECK) break;
      const payload = buf.subarray(at + HEADER, at + HEADER + len);
      if (!sameBytes(checksum(payload), buf.subarray(at + HEADER + len, at + HEADER + len + CHECK))) break;
      items.push(parseStrictJson(payload.toString('utf8'), `${path}@${at}`));
      at += HEADER + len + CHECK;
      goodEnd = at;
    }
    const truncatedBytes = size - goodEnd;
    if (truncatedBytes > 0) {
      // A crash can only tear the last record. Anything readable after the damage means the
      // middle of the log is corrupt: refuse rather than drop acknowledged records.
      if (hasValidRecordAfter(buf, goodEnd + 1)) {
        closeSync(fd);
        throw new LogError('LOG_CORRUPT', `${path}: record at byte ${goodEnd} is damaged and valid records follow it; refusing to open`, { path, offset: goodEnd });
      }
      ftruncateSync(fd, goodEnd);
      fsyncSync(fd);
    }
    return new AppendLog(fd, path, items, goodEnd, { records: items.length, truncatedBytes });
  }

  /** Append records and fsync once (group commit). Returns after they are durable. */
  append(...values: unknown[]): void {
    if (this.fd < 0) throw new LogError('LOG_CLOSED', `${this.path} is closed`);
    const parts: Buffer[] = [];
    for (const v of values) {
      const payload = canonicalize(v);
      if (payload.length > MAX_RECORD) throw new LogError('LOG_RECORD_TOO_LARGE', `record of ${payload.length} bytes exceeds ${MAX_RECORD}`);
      const head = Buffer.alloc(HEADER);
      head.writeUInt32LE(payload.length, 0);
      parts.push(head, Buffer.from(payload), Buffer.from(checksum(payload)));
    }
    const all = Buffer.concat(parts);
    let written = 0;
    while (written < all.length) written += writeSync(this.fd, all, written, all.length - written, this.size + written);
    fsyncSync(this.fd);
    this.size += all.length;
    this.items.push(...values.map((v) => parseStrictJson(new TextDecoder().decode(canonicalize(v)))));
  }

  /** Every record, in append order (as parsed back from canonical JSON). */
  records(): readonly unknown[] {
    return this.items;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

function hasValidRecordAfter(buf: Buffer, from: number): boolean {
  for (let at = from; at + HEADER + CHECK <= buf.length; at++) {
    const len = buf.readUInt32LE(at);
    if (len === 0 || len > MAX_RECORD || at + HEADER + len + CHECK > buf.length) continue;
    const payload = buf.subarray(at + HEADER, at + HEADER + len);
    if (sameBytes(checksum(payload), buf.subarray(at + HEADER + len, at + HEADER + len + CHECK))) return true;
  }
  return false;
}
