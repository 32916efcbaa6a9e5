/**
 * A simulated disk for one node: a key-value store whose writes are volatile until `sync()`.
 * Reads see unsynced writes (a page cache). A crash keeps every synced write and loses each
 * unsynced one with probability `unsyncedLossPpm` (drawn from the faults stream), so a restarted
 * node sees exactly what a real one could: everything up to its last sync, and some of the rest.
 */
import type { Rng } from '../../core/runtime/index.js';
import type { KvStore } from '../../core/node/storage.js';

/** The node's storage interface (core/node/storage.ts), restated for readers of this file. */
export interface NodeStorage extends KvStore {
  get(key: string): string | undefined;
  put(key: string, value: string): void;
  delete(key: string): void;
  /** Keys with this prefix, sorted (code-unit order). */
  keys(prefix: string): string[];
  /** Make every write so far durable. */
  sync(): void;
}

type Pending = { key: string; value: string | undefined };

export class SimStorage implements NodeStorage {
  private durable = new Map<string, string>();
  private pending: Pending[] = [];
  private view = new Map<string, string>();
  /** Counters for the run report (never hashed). */
  stats = { writes: 0, syncs: 0, lostOnCrash: 0 };

  get(key: string): string | undefined {
    return this.view.get(key);
  }
  put(key: string, value: string): void {
    this.pending.push({ key, value });
    this.view.set(key, value);
    this.stats.writes++;
  }
  delete(key: string): void {
    this.pending.push({ key, value: undefined });
    this.view.delete(key);
  }
  keys(prefix: string): string[] {
    const out: string[] = [];
    for (const k of this.view.keys()) if (k.startsWith(prefix)) out.push(k);
    return out.sort();
  }
  sync(): void {
    for (const p of this.pending) {
      if (p.value === undefined) this.durable.delete(p.key);
      else this.durable.set(p.key, p.value);
    }
    this.pending = [];
    this.stats.syncs++;
  }
  get unsynced(): number {
    return this.pending.length;
  }

  /** A crash: each unsynced write survives with probability 1 − lossPpm (in write order). */
  crash(rng: Rng, lossPpm: number): number {
    let lost = 0;
    for (const p of this.pending) {
      if (rng.chancePpm(lossPpm)) {
        lost++;
        continue;
      }
      if (p.value === undefined) this.durable.delete(p.key);
      else this.durable.set(p.key, p.value);
    }
    this.pending = [];
    this.view = new Map(this.durable);
    this.stats.lostOnCrash += lost;
    return lost;
  }
}
