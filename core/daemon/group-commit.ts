/**
 * Group commit for the daemon: many executions share one fsync. While a batch is held, the
 * node's `sync()` calls are deferred and the messages it sends are queued; when the batch is
 * released, the store is synced once, then the queued messages leave, then the batch's answers
 * (and any mutating request answered meanwhile: `durable()`) go out. So the rule the node keeps
 * one write at a time ("durable before announced, durable before acknowledged") still holds: no
 * message and no acknowledgement leaves the process before the writes it depends on are synced.
 * A crash inside a batch loses only writes nobody outside the process has heard of.
 *
 * Why: every state-changing execution made two fsyncs (its gossip record, then its logged call
 * and receipt), which on a loaded disk was over half of the daemon's time per execution.
 */
import type { KvStore } from '../node/storage.js';
import type { Transport } from '../node/node.js';

export class GroupCommit {
  private depth = 0;
  private dirty = false;
  private held: [string, unknown][] = [];
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  /** Real syncs made, and syncs asked for (the difference is what batching saved). */
  readonly counts = { synced: 0, requested: 0 };
  readonly store: KvStore;
  readonly transport: Transport;

  constructor(
    private readonly inner: KvStore,
    private readonly out: Transport,
  ) {
    const gc = this;
    this.store = {
      get: (k) => inner.get(k),
      put: (k, v) => inner.put(k, v),
      delete: (k) => inner.delete(k),
      keys: (p) => inner.keys(p),
      sync() {
        gc.counts.requested++;
        if (gc.depth > 0) gc.dirty = true;
        else gc.syncNow();
      },
    };
    this.transport = {
      send: (to, m) => {
        if (this.depth > 0) this.held.push([to, m]);
        else out.send(to, m);
      },
    };
  }

  private syncNow(): void {
    this.dirty = false;
    this.counts.synced++;
    this.inner.sync();
  }

  /** Defer syncs and sends until the matching `release`. */
  hold(): void {
    this.depth++;
  }

  /** End a hold: at the outermost one, sync once, send what was queued, wake `durable()` waiters. Throws what the sync throws. */
  release(): void {
    if (--this.depth > 0) return;
    const held = this.held;
    const waiters = this.waiters;
    this.held = [];
    this.waiters = [];
    try {
      if (this.dirty) this.syncNow();
    } catch (e) {
      // Nothing queued may leave: what it announces is not durable.
      for (const w of waiters) w.reject(e);
      throw e;
    }
    for (const [to, m] of held) this.out.send(to, m);
    for (const w of waiters) w.resolve();
  }

  /** Resolves once everything written so far is durable (at once when no batch is held). */
  durable(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * Run queued jobs as batches: jobs submitted while one batch runs (or in the same turn of the
   * event loop) form the next batch, which holds syncs and sends while its jobs run one at a
   * time, in order, then settles every job's promise after the single sync.
   */
  batcher(): <T>(job: () => Promise<T>) => Promise<T> {
    type Job = {
      run: () => Promise<unknown>;
      resolve: (v: unknown) => void;
      reject: (e: unknown) => void;
    };
    let queue: Job[] = [];
    let busy = false;
    const drain = async (): Promise<void> => {
      busy = true;
      while (queue.length) {
        const batch = queue;
        queue = [];
        const results: { ok: boolean; v: unknown }[] = [];
        this.hold();
        try {
          for (const j of batch) {
            try {
              results.push({ ok: true, v: await j.run() });
            } catch (e) {
              results.push({ ok: false, v: e });
            }
          }
        } finally {
          try {
            this.release();
          } catch (e) {
            // The sync failed: no job of the batch is acknowledged.
            for (const r of results) Object.assign(r, { ok: false, v: e });
          }
        }
        batch.forEach((j, i) =>
          results[i]!.ok ? j.resolve(results[i]!.v) : j.reject(results[i]!.v),
        );
      }
      busy = false;
    };
    return <T>(run: () => Promise<T>): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        queue.push({ run, resolve: resolve as (v: unknown) => void, reject });
        if (!busy) {
          busy = true;
          setImmediate(() => void drain());
        }
      });
  }
}
