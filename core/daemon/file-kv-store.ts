/**
 * The node's KvStore on disk: writes are buffered and become durable at `sync()` as one
 * fsync'd batch in the append log (so "synced" means exactly what the simulator's store models).
 * The log is compacted (rewritten to a temp file, fsync, rename) when dead records dominate.
 */
import { renameSync, rmSync } from 'node:fs';
import type { KvStore } from '../node/storage.js';
import { AppendLog } from './append-log.js';
import { IcnError } from '../errors.js';

type Op = { op: 'put'; k: string; v: string } | { op: 'del'; k: string };

export class FileKvStore implements KvStore {
  private readonly live = new Map<string, string>();
  private pending: Op[] = [];
  private log: AppendLog;
  private logRecords: number;

  constructor(
    readonly path: string,
    /** Compact when the log holds more than `ratio` records per live key and at least `min` records. */
    private readonly compaction: { ratio: number; min: number } = { ratio: 4, min: 1000 },
  ) {
    this.log = AppendLog.open(path);
    for (const r of this.log.records()) this.applyOp(r as Op);
    this.logRecords = this.log.records().length;
  }

  /** What opening the log found (records replayed, torn bytes cut). */
  get openReport() {
    return this.log.openReport;
  }

  private applyOp(o: Op): void {
    if (o?.op === 'put' && typeof o.k === 'string' && typeof o.v === 'string') this.live.set(o.k, o.v);
    else if (o?.op === 'del' && typeof o.k === 'string') this.live.delete(o.k);
    else throw new IcnError('KV_BAD_RECORD', `${this.path}: unknown record ${JSON.stringify(o).slice(0, 80)}`);
  }

  get(key: string): string | undefined {
    return this.live.get(key);
  }

  put(key: string, value: string): void {
    this.live.set(key, value);
    this.pending.push({ op: 'put', k: key, v: value });
  }

  delete(key: string): void {
    if (!this.live.has(key)) return;
    this.live.delete(key);
    this.pending.push({ op: 'del', k: key });
  }

  keys(prefix: string): string[] {
    const out: string[] = [];
    for (const k of this.live.keys()) if (k.startsWith(prefix)) out.push(k);
    return out.sort();
  }

  sync(): void {
    if (this.pending.length === 0) return;
    this.log.append(...this.pending);
    this.logRecords += this.pending.length;
    this.pending = [];
    if (this.logRecords >= this.compaction.min && this.logRecords > this.compaction.ratio * Math.max(1, this.live.size)) this.compact();
  }

  /** Rewrite the log with only live keys: temp file, fsync, rename over the old one. */
  compact(): void {
    const tmp = `${this.path}.compact`;
    rmSync(tmp, { force: true });
    const fresh = AppendLog.open(tmp);
    const keys = [...this.live.keys()].sort();
    const ops: Op[] = keys.map((k) => ({ op: 'put', k, v: this.live.get(k)! }));
    for (let i = 0; i < ops.length; i += 512) fresh.append(...ops.slice(i, i + 512));
    fresh.close();
    this.log.close();
    renameSync(tmp, this.path);
    this.log = AppendLog.open(this.path);
    this.logRecords = this.log.records().length;
  }

  close(): void {
    this.sync();
    this.log.close();
  }
}
