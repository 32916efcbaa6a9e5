import { describe, expect, it } from 'vitest';
import { MemoryKvStore } from '../node/storage.js';
import { GroupCommit } from './group-commit.js';

/** A store that records the order of syncs and sends into one shared log. */
function rig() {
  const log: string[] = [];
  const store = new (class extends MemoryKvStore {
    override sync(): void {
      log.push('sync');
    }
  })();
  const gc = new GroupCommit(store, { send: (to) => log.push(`send ${to}`) });
  return { gc, log };
}

describe('GroupCommit', () => {
  it('a batch of jobs makes one sync; its sends and answers leave only after it', async () => {
    const { gc, log } = rig();
    const run = gc.batcher();
    const jobs = [1, 2, 3, 4, 5].map((i) =>
      run(async () => {
        gc.store.put(`k${i}`, 'v');
        gc.store.sync();
        gc.transport.send(`p${i}`, {});
        return i;
      }).then((v) => log.push(`answer ${v}`)),
    );
    await Promise.all(jobs);
    expect(log).toEqual([
      'sync',
      'send p1',
      'send p2',
      'send p3',
      'send p4',
      'send p5',
      'answer 1',
      'answer 2',
      'answer 3',
      'answer 4',
      'answer 5',
    ]);
    expect(gc.counts).toEqual({ synced: 1, requested: 5 });
  });

  it('outside a batch a sync is immediate and a send leaves at once; durable() waits for a held batch', async () => {
    const { gc, log } = rig();
    gc.store.sync();
    gc.transport.send('a', {});
    expect(log).toEqual(['sync', 'send a']);
    gc.hold();
    gc.store.put('x', '1');
    gc.store.sync();
    let durable = false;
    const waiting = gc.durable().then(() => (durable = true));
    await Promise.resolve();
    expect(durable).toBe(false);
    gc.release();
    await waiting;
    expect(log).toEqual(['sync', 'send a', 'sync']);
  });

  it('a failed job is refused and the others are answered; a failed sync refuses the whole batch and sends nothing', async () => {
    const { gc, log } = rig();
    const run = gc.batcher();
    const bad = run(async () => {
      throw new Error('refused');
    });
    const ok = run(async () => {
      gc.store.sync();
      return 7;
    });
    await expect(bad).rejects.toThrow('refused');
    await expect(ok).resolves.toBe(7);
    const failing = new GroupCommit(
      new (class extends MemoryKvStore {
        override sync(): void {
          throw new Error('disk full');
        }
      })(),
      { send: (to) => log.push(`send ${to}`) },
    );
    const r = failing.batcher()(async () => {
      failing.store.sync();
      failing.transport.send('late', {});
      return 1;
    });
    await expect(r).rejects.toThrow('disk full');
    expect(log).not.toContain('send late');
  });
});
