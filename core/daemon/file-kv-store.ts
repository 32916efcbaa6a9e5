/**
 * The node's KvStore on disk: writes are buffered and become durable at `sync()` as one
 * fsync'd batch in the append log (so "synced" means exactly what the simulator's store models).
 * The log is compacted (rewritten to a temp file, fsync, rename) when dead records dominate.
 *
 * Values are not kept in memory once synced: the store keeps an index (key → where its last `put`
 * record is in the log) and reads a value back from the log on `get`. Only writes not yet synced
 * are held in memory.
 */
import { renameSync, rmSync } from 'node:fs';
import type { KvStore } from '../node/storage.js';
import { AppendLog, type OpenOptions, type OpenReport, type RecordRef } from './append-log.js';
import { IcnError } from '../errors.js';

type Op = { op: 'put'; k: string; v: string } | { op: 'del'; k: string };

/** A key's value: where its put record is in the log, or the value itself while not yet synced. */
type Slot = RecordRef | { pending: string };

export class FileKvStore implements KvStore {
  private readonly index = new Map<string, Slot>();
  private pending: Op[] = [];
  private log: AppendLog;
  private logRecords: number;
  private readonly opened: OpenReport;

  constructor(
    readonly path: string,
    /** Compact when the log holds more than `ratio` records per live key and at least `min` records. */
    private readonly compaction: { ratio: number; min: number } = { ratio: 4, min: 1000 },
    opts: OpenOptions = {},
  ) {
    this.log = AppendLog.open(path, opts, (r, ref) => this.applyOp(r as Op, ref));
    this.opened = this.log.openReport;
    this.logRecords = this.opened.records;
  }

  /** What opening the log found (records replayed, torn bytes cut, a migration or repair). */
  get openReport(): OpenReport {
    return this.opened;
  }

  private applyOp(o: Op, ref: RecordRef): void {
    if (o?.op === 'put' && typeof o.k === 'string' && typeof o.v === 'string')
      this.index.set(o.k, ref);
    else if (o?.op === 'del' && typeof o.k === 'string') this.index.delete(o.k);
    else
      throw new IcnError(
        'KV_BAD_RECORD',
        `${this.path}@${ref.at}: unknown record ${JSON.stringify(o).slice(0, 80)}`,
      );
  }

  get(key: string): string | undefined {
    const s = this.index.get(key);
    if (s === undefined) return undefined;
    if ('pending' in s) return s.pending;
    const o = this.log.read(s) as Op;
    if (o.op !== 'put' || o.k !== key)
      throw new IcnError(
        'KV_BAD_RECORD',
        `${this.path}@${s.at}: index for ${key} points at another record`,
      );
    return o.v;
  }

  put(key: string, value: string): void {
    this.index.set(key, { pending: value });
    this.pending.push({ op: 'put', k: key, v: value });
  }

  delete(key: string): void {
    if (!this.index.has(key)) return;
    this.index.delete(key);
    this.pending.push({ op: 'del', k: key });
  }

  keys(prefix: string): string[] {
    const out: string[] = [];
    for (const k of this.index.keys()) if (k.startsWith(prefix)) out.push(k);
    return out.sort();
  }

  sync(): void {
    if (this.pending.length === 0) return;
    const ops = this.pending;
    const refs = this.log.append(...ops);
    this.pending = [];
    this.logRecords += ops.length;
    // Point each key whose last op in the batch is a put at that record (index already reflects the batch).
    const last = new Map<string, number>();
    ops.forEach((o, i) => last.set(o.k, i));
    for (const [k, i] of last) if (ops[i]!.op === 'put') this.index.set(k, refs[i]!);
    if (
      this.logRecords >= this.compaction.min &&
      this.logRecords > this.compaction.ratio * Math.max(1, this.index.size)
    )
      this.compact();
  }

  /** Rewrite the log with only live keys: temp file, fsync, rename over the old one. */
  compact(): void {
    this.sync();
    const tmp = `${this.path}.compact`;
    rmSync(tmp, { force: true });
    const fresh = AppendLog.open(tmp);
    const keys = [...this.index.keys()].sort();
    for (let i = 0; i < keys.length; i += 512) {
      const batch = keys.slice(i, i + 512);
      fresh.append(...batch.map((k) => ({ op: 'put', k, v: this.get(k)! })));
    }
    fresh.close();
    this.log.close();
    renameSync(tmp, this.path);
    this.index.clear();
    this.log = AppendLog.open(this.path, {}, (r, ref) => this.applyOp(r as Op, ref));
    this.logRecords = this.log.openReport.records;
  }

  close(): void {
    this.sync();
    this.log.close();
  }
}
