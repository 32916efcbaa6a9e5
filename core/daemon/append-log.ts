/**
 * Durable state for the icn-node daemon: an append-only log of canonical JSON records.
 *
 * Why not an embedded database: the well-kept ones (better-sqlite3, classic-level) are native
 * addons, and npm here blocks dependency install scripts, so they cannot build; a log is also
 * what the node needs (its state is a fold over accepted entries) and is easy to audit.
 *
 * Format v2 (docs/process-backend.md "Storage"): the file starts with the 8-byte magic
 * `ICNLOG\0\2`, then records
 *
 *   u32 LE length ‖ header check (4 bytes) ‖ payload (canonical JSON) ‖ record check (8 bytes)
 *
 * header check = SHA-256(length bytes)[0..4], record check = SHA-256(length ‖ payload)[0..8].
 * `append` returns only after fsync, so an acknowledged record survives kill -9.
 *
 * On open the log is scanned. The only damage repaired silently is a torn tail: an incomplete
 * final write (a header cut short, or a valid header whose record runs past the end of the file),
 * which can only be what a crash left beyond the last acknowledged sync. Anything else (a complete
 * record that fails its check, a header that fails its check, a zeroed tail) refuses to open with
 * LOG_DAMAGED naming the file, the offset and what would be lost, unless `repair` is set: then the
 * damaged tail is moved aside to `<log>.damaged-<offset>` and the report says how many records it held.
 *
 * Format v1 (no magic; `u32 length ‖ payload ‖ SHA-256(payload)[0..8]`) is read with the same
 * rules and rewritten as v2 at open (temp file, fsync, rename): the report says `migratedFrom: 1`.
 *
 * Records are not kept in memory: open calls `onRecord(value, at)` once per record and callers keep
 * offsets (`read(at)` reads one back).
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { canonicalize } from '../canonical/index.js';
import { IcnError } from '../errors.js';

export const LOG_FORMAT_VERSION = 2;
export const LOG_MAGIC = Buffer.from('ICNLOG\u0000\u0002', 'latin1');
const HEADER = 8;
const CHECK = 8;
const V1_HEADER = 4;
export const MAX_RECORD = 16 * 1024 * 1024;

export class LogError extends IcnError {
  override readonly name = 'LogError';
}

export interface OpenOptions {
  /** Move a damaged tail aside (to `<log>.damaged-<offset>`) instead of refusing to open. */
  repair?: boolean;
}

export interface RepairReport {
  /** Where the damaged tail now is. */
  movedTo: string;
  /** Byte offset of the first damaged record. */
  offset: number;
  bytes: number;
  /** Records in the moved tail that still pass their checks (the damaged one is not counted). */
  intactRecords: number;
}

export interface OpenReport {
  records: number;
  /** Bytes cut from a torn tail on open (an incomplete final write; 0 when the log was clean). */
  truncatedBytes: number;
  /** Set when an old-format log was read and rewritten in the current format. */
  migratedFrom?: 1;
  /** Set when `repair` moved a damaged tail aside. */
  repaired?: RepairReport;
  /** Set when `repair` wrote a damaged format header again (the records after it were intact). */
  headerRewritten?: true;
}

/** Where a record lives in the log: its offset and total size (header, payload, check). */
export interface RecordRef {
  at: number;
  size: number;
}

/**
 * A record's payload as a value. JSON.parse, not the strict reader: the record check proves these
 * are the bytes canonicalize() wrote (no duplicate keys, no unsafe numbers), and the strict reader
 * is for human-written files (it also retains far more memory per string: issue 14, problem 2).
 */
function parsePayload(payload: Buffer, where: string): unknown {
  try {
    return JSON.parse(payload.toString('utf8')) as unknown;
  } catch (e) {
    throw new LogError(
      'LOG_DAMAGED',
      `${where}: a record that passes its check is not JSON (${(e as Error).message})`,
    );
  }
}

function headerCheck(len: Buffer): Buffer {
  return Buffer.from(sha256(len).subarray(0, 4));
}

function recordCheck(len: Buffer, payload: Uint8Array): Buffer {
  const h = sha256.create();
  h.update(len);
  h.update(payload);
  return Buffer.from(h.digest().subarray(0, CHECK));
}

function v1Check(payload: Uint8Array): Buffer {
  return Buffer.from(sha256(payload).subarray(0, CHECK));
}

/** Encode one v2 record. */
export function encodeRecord(payload: Uint8Array): Buffer {
  if (payload.length > MAX_RECORD)
    throw new LogError(
      'LOG_RECORD_TOO_LARGE',
      `record of ${payload.length} bytes exceeds ${MAX_RECORD}`,
    );
  const len = Buffer.alloc(4);
  len.writeUInt32LE(payload.length, 0);
  return Buffer.concat([len, headerCheck(len), payload, recordCheck(len, payload)]);
}

type Scan =
  | { kind: 'record'; payload: Buffer; size: number }
  | { kind: 'end' }
  | { kind: 'torn' }
  | { kind: 'damaged'; why: string };

/** Read the record at `at` of a file of `size` bytes (format v1 or v2). */
function scanAt(fd: number, at: number, size: number, version: 1 | 2): Scan {
  if (at === size) return { kind: 'end' };
  const hl = version === 2 ? HEADER : V1_HEADER;
  if (size - at < hl) return { kind: 'torn' };
  const head = Buffer.alloc(hl);
  readSync(fd, head, 0, hl, at);
  const len = head.readUInt32LE(0);
  const lenBytes = head.subarray(0, 4);
  if (version === 2 && !head.subarray(4, 8).equals(headerCheck(lenBytes)))
    return { kind: 'damaged', why: 'record header fails its check' };
  if (len > MAX_RECORD)
    return { kind: 'damaged', why: `record length ${len} exceeds ${MAX_RECORD}` };
  const total = hl + len + CHECK;
  // v2: the header passed its check, so a record running past the end is an incomplete write. v1
  // has no header check: the same rule is the best it can do.
  if (size - at < total) return { kind: 'torn' };
  const body = Buffer.alloc(len + CHECK);
  readSync(fd, body, 0, len + CHECK, at + hl);
  const payload = body.subarray(0, len);
  const want = version === 2 ? recordCheck(lenBytes, payload) : v1Check(payload);
  if (!body.subarray(len).equals(want))
    return { kind: 'damaged', why: 'record fails its checksum' };
  return { kind: 'record', payload, size: total };
}

/** Count records that pass their checks anywhere in [from, size) (resyncing byte by byte). */
function intactRecordsFrom(fd: number, from: number, size: number, version: 1 | 2): number {
  let n = 0;
  const hl = version === 2 ? HEADER : V1_HEADER;
  const len = Buffer.alloc(4);
  for (let at = from; at + hl + CHECK <= size;) {
    readSync(fd, len, 0, 4, at);
    const l = len.readUInt32LE(0);
    const s =
      l <= MAX_RECORD && at + hl + l + CHECK <= size ? scanAt(fd, at, size, version) : undefined;
    if (s?.kind === 'record') {
      n++;
      at += s.size;
    } else at++;
  }
  return n;
}

/**
 * The log's format from its first bytes: v2 starts with the magic, v1 with a record. A header that is
 * neither, followed by v2 records that pass their checks, is a damaged magic ('v2-header'): the
 * records are intact and must not be read as a (then wholly "damaged") v1 log.
 */
function readVersion(fd: number, size: number): 1 | 2 | 'v2-header' {
  if (size === 0) return 2;
  const head = Buffer.alloc(Math.min(size, LOG_MAGIC.length));
  readSync(fd, head, 0, head.length, 0);
  if (head.equals(LOG_MAGIC)) return 2;
  if (LOG_MAGIC.subarray(0, head.length).equals(head)) return 2; // a magic cut short: nothing was ever acknowledged
  if (scanAt(fd, 0, size, 1).kind === 'record') return 1;
  if (size > LOG_MAGIC.length && scanAt(fd, LOG_MAGIC.length, size, 2).kind === 'record')
    return 'v2-header';
  return 1;
}

/** A damaged magic over intact v2 records: refused, or with `repair` the magic is written again. */
function damagedHeader(fd: number, path: string, size: number, repair: boolean): void {
  const intact = intactRecordsFrom(fd, LOG_MAGIC.length, size, 2);
  if (!repair) {
    throw new LogError(
      'LOG_DAMAGED',
      `${path}: damaged at byte 0 (the ${LOG_MAGIC.length}-byte format header is not ICN's; the ${intact} record(s) after it pass their checks). Nothing was changed; start with --repair to write the header again (no record is lost)`,
      { path, offset: 0, bytes: LOG_MAGIC.length, intactRecords: intact },
    );
  }
  writeAll(fd, LOG_MAGIC, 0);
  fsyncSync(fd);
}

export class AppendLog {
  private constructor(
    private fd: number,
    readonly path: string,
    private size: number,
    readonly openReport: OpenReport,
  ) {}

  /**
   * Open (creating if needed) and scan the log, calling `onRecord` for each record in order.
   * Throws LogError LOG_DAMAGED (nothing changed) on damage other than a torn tail, unless `repair`.
   */
  static open(
    path: string,
    opts: OpenOptions = {},
    onRecord: (value: unknown, ref: RecordRef) => void = () => {},
  ): AppendLog {
    mkdirSync(dirname(path), { recursive: true });
    let fd = openSync(path, existsSync(path) ? 'r+' : 'w+');
    try {
      let size = fstatSync(fd).size;
      const read = readVersion(fd, size);
      if (read === 'v2-header') damagedHeader(fd, path, size, opts.repair === true);
      const version = read === 'v2-header' ? 2 : read;
      const headerRewritten = read === 'v2-header';
      if (version === 2 && size < LOG_MAGIC.length) {
        // empty, or a magic cut short by a crash before the first record: start the file over
        ftruncateSync(fd, 0);
        writeAll(fd, LOG_MAGIC, 0);
        fsyncSync(fd);
        size = LOG_MAGIC.length;
      }
      const report: OpenReport = {
        records: 0,
        truncatedBytes: 0,
        ...(headerRewritten ? { headerRewritten } : {}),
      };
      const migrate: Buffer[] = [];
      let at = version === 2 ? LOG_MAGIC.length : 0;
      for (;;) {
        const s = scanAt(fd, at, size, version);
        if (s.kind === 'end') break;
        if (s.kind === 'torn') {
          report.truncatedBytes = size - at;
          break;
        }
        if (s.kind === 'damaged') {
          const intact = intactRecordsFrom(fd, at + 1, size, version);
          const aside = asidePath(path, at);
          if (!opts.repair) {
            throw new LogError(
              'LOG_DAMAGED',
              `${path}: damaged at byte ${at} (${s.why}); the ${size - at} bytes from there to the end would be lost (${intact} intact record(s) among them, plus the damaged one). Nothing was changed; start with --repair to move them aside to ${aside}`,
              { path, offset: at, bytes: size - at, intactRecords: intact },
            );
          }
          moveTailAside(fd, at, size, aside);
          report.repaired = { movedTo: aside, offset: at, bytes: size - at, intactRecords: intact };
          size = at;
          break;
        }
        const value = parsePayload(s.payload, `${path}@${at}`);
        if (version === 1) migrate.push(s.payload);
        else onRecord(value, { at, size: s.size });
        report.records++;
        at += s.size;
      }
      if (report.truncatedBytes > 0) {
        ftruncateSync(fd, at);
        fsyncSync(fd);
        size = at;
      }
      if (version === 1) {
        closeSync(fd);
        fd = -1;
        rewriteAsV2(path, migrate);
        const again = AppendLog.open(path, opts, onRecord);
        return new AppendLog(again.fd, path, again.size, { ...report, migratedFrom: 1 });
      }
      return new AppendLog(fd, path, size, report);
    } catch (e) {
      if (fd >= 0) closeSync(fd);
      throw e;
    }
  }

  /** Append records and fsync once (group commit). Returns after they are durable, with where each is. */
  append(...values: unknown[]): RecordRef[] {
    if (this.fd < 0) throw new LogError('LOG_CLOSED', `${this.path} is closed`);
    const parts = values.map((v) => encodeRecord(canonicalize(v)));
    const refs: RecordRef[] = [];
    let at = this.size;
    for (const p of parts) {
      refs.push({ at, size: p.length });
      at += p.length;
    }
    writeAll(this.fd, Buffer.concat(parts), this.size);
    fsyncSync(this.fd);
    this.size = at;
    return refs;
  }

  /** Read back the record at `ref` (checked again: the disk is not trusted more than at open). */
  read(ref: RecordRef): unknown {
    if (this.fd < 0) throw new LogError('LOG_CLOSED', `${this.path} is closed`);
    const s = scanAt(this.fd, ref.at, this.size, 2);
    if (s.kind !== 'record' || s.size !== ref.size)
      throw new LogError(
        'LOG_DAMAGED',
        `${this.path}: record at byte ${ref.at} no longer reads back (${s.kind === 'damaged' ? s.why : s.kind})`,
        { path: this.path, offset: ref.at },
      );
    return parsePayload(s.payload, `${this.path}@${ref.at}`);
  }

  /** Bytes in the log (magic included). */
  get bytes(): number {
    return this.size;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

function writeAll(fd: number, buf: Buffer, position: number): void {
  let written = 0;
  while (written < buf.length)
    written += writeSync(fd, buf, written, buf.length - written, position + written);
}

/** `<log>.damaged-<offset>`, or with `.2`, `.3`, … when an earlier repair left one there. */
function asidePath(path: string, at: number): string {
  const base = `${path}.damaged-${at}`;
  let p = base;
  for (let n = 2; existsSync(p); n++) p = `${base}.${n}`;
  return p;
}

/** Copy [at, size) to `aside` (fsync'd) and only then cut it from the log. */
function moveTailAside(fd: number, at: number, size: number, aside: string): void {
  const out = openSync(aside, 'wx');
  try {
    const chunk = Buffer.alloc(1 << 20);
    for (let pos = at; pos < size;) {
      const n = readSync(fd, chunk, 0, Math.min(chunk.length, size - pos), pos);
      writeAll(out, chunk.subarray(0, n), pos - at);
      pos += n;
    }
    fsyncSync(out);
  } finally {
    closeSync(out);
  }
  ftruncateSync(fd, at);
  fsyncSync(fd);
}

/** Write the payloads of a v1 log as a v2 log (temp file, fsync, rename over the old one). */
function rewriteAsV2(path: string, payloads: Buffer[]): void {
  const tmp = `${path}.v2`;
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, Buffer.concat([LOG_MAGIC, ...payloads.map((p) => encodeRecord(p))]), 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
