/**
 * A small on-disk cache of JSON entries for the CLI (`check`, `exec`): one file per key, written
 * atomically (temp file + rename, harness/io/files.ts), bounded in total size (least recently used
 * files go first). An entry is never trusted as found: it carries its key and a SHA-256 over key
 * and payload, and one that does not parse, names another key, or fails the digest is ignored (the
 * caller computes the value again and `put` overwrites it).
 *
 * What the digest guards against: torn or corrupt files, entries written for another key, format
 * or build, hand edits. It is not a defence against someone who can write the cache directory on
 * purpose (that person can as well change the installed harness); `--no-cache` takes it out.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/files.js';

/** A key: flat string fields, compared exactly (their JSON in sorted field order). */
export type CacheKey = Readonly<Record<string, string>>;

interface StoredEntry {
  key: CacheKey;
  digest: string;
  payload: unknown;
}

const keyText = (key: CacheKey): string =>
  JSON.stringify(
    Object.keys(key)
      .sort()
      .map((k) => [k, key[k]]),
  );
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const digestOf = (key: CacheKey, payloadText: string): string =>
  sha256(`${keyText(key)}\n${payloadText}`);

export class DiskCache {
  constructor(
    readonly dir: string,
    /** Upper bound of the directory's entry files, bytes. */
    readonly maxBytes: number,
  ) {}

  /** The file of a key: its name is a digest of the key, so keys never collide by accident. */
  pathOf(key: CacheKey): string {
    return join(this.dir, `${sha256(keyText(key))}.json`);
  }

  /** The payload stored for `key`, verified; undefined when absent, corrupt or foreign. */
  get(key: CacheKey): unknown {
    const path = this.pathOf(key);
    let entry: StoredEntry;
    try {
      entry = JSON.parse(readFileSync(path, 'utf8')) as StoredEntry;
    } catch {
      return undefined; // absent or not JSON
    }
    if (
      entry === null ||
      typeof entry !== 'object' ||
      typeof entry.key !== 'object' ||
      entry.key === null
    )
      return undefined;
    if (keyText(entry.key) !== keyText(key)) return undefined;
    if (entry.digest !== digestOf(key, JSON.stringify(entry.payload))) return undefined;
    try {
      const now = new Date();
      utimesSync(path, now, now); // recently used: pruned last
    } catch {
      /* read-only cache: still a hit */
    }
    return entry.payload;
  }

  /** Store `payload` (JSON-serialisable) for `key`, then keep the directory under its bound. */
  put(key: CacheKey, payload: unknown): void {
    const payloadText = JSON.stringify(payload);
    const text = `{"key":${JSON.stringify(key)},"digest":"${digestOf(key, payloadText)}","payload":${payloadText}}\n`;
    if (Buffer.byteLength(text) > this.maxBytes) return; // would evict everything else
    try {
      writeFileAtomic(this.pathOf(key), text);
      this.prune();
    } catch {
      /* a cache that cannot be written is a slower run, never a failed one */
    }
  }

  /** Delete least recently used entries until the directory fits `maxBytes`. */
  prune(): void {
    const files: { path: string; size: number; mtimeMs: number }[] = [];
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith('.json')) continue;
      const path = join(this.dir, name);
      try {
        const st = statSync(path);
        if (st.isFile()) files.push({ path, size: st.size, mtimeMs: st.mtimeMs });
      } catch {
        /* removed by another process meanwhile */
      }
    }
    let total = files.reduce((n, f) => n + f.size, 0);
    files.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.path < b.path ? -1 : 1));
    for (const f of files) {
      if (total <= this.maxBytes) break;
      rmSync(f.path, { force: true });
      total -= f.size;
    }
  }
}
