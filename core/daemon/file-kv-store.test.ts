import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryKvStore } from '../node/storage.js';
import { FileKvStore } from './file-kv-store.js';

const fresh = () => join(mkdtempSync(join(tmpdir(), 'icn-kv-')), 'kv.log');

describe('FileKvStore', () => {
  it('property: behaves like MemoryKvStore, and a reopen sees exactly the synced writes', () => {
    const op = fc.oneof(
      fc.record({
        t: fc.constant('put' as const),
        k: fc.constantFrom('a/1', 'a/2', 'b/1', 'b/2'),
        v: fc.string({ maxLength: 5 }),
      }),
      fc.record({ t: fc.constant('del' as const), k: fc.constantFrom('a/1', 'a/2', 'b/1', 'b/2') }),
      fc.record({ t: fc.constant('sync' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const p = fresh();
        const kv = new FileKvStore(p);
        const model = new MemoryKvStore();
        let synced = new MemoryKvStore();
        for (const o of ops) {
          if (o.t === 'put') (kv.put(o.k, o.v), model.put(o.k, o.v));
          else if (o.t === 'del') (kv.delete(o.k), model.delete(o.k));
          else {
            kv.sync();
            synced = new MemoryKvStore();
            for (const k of model.keys('')) synced.put(k, model.get(k)!);
          }
          expect(kv.keys('a/')).toEqual(model.keys('a/'));
        }
        // crash without sync: reopen shows the last synced state
        const back = new FileKvStore(p);
        expect(back.keys('').map((k) => [k, back.get(k)])).toEqual(
          synced.keys('').map((k) => [k, synced.get(k)]),
        );
      }),
      { numRuns: 80 },
    );
  });

  it('compacts a log dominated by overwrites, keeping the live state', () => {
    const p = fresh();
    const kv = new FileKvStore(p, { ratio: 2, min: 100 });
    for (let i = 0; i < 110; i++) {
      kv.put(`k${i % 10}`, `v${i}`);
      kv.sync();
    }
    const back = new FileKvStore(p);
    // compacted at 100 records down to the 10 live ones; 10 writes since
    expect(back.openReport.records).toBe(20);
    expect(statSync(p).size).toBeLessThan(20 * 60);
    expect(back.keys('k').length).toBe(10);
    expect(back.get('k9')).toBe('v109');
  });

  it('keeps an index, not the values: a synced value is read back from the log (damage there is seen on get)', () => {
    const p = fresh();
    const kv = new FileKvStore(p);
    kv.put('a', 'A'.repeat(64));
    kv.put('b', 'B'.repeat(64));
    kv.sync();
    kv.put('c', 'pending'); // not synced: held in memory
    const bytes = readFileSync(p);
    const at = bytes.indexOf('B'.repeat(64));
    bytes[at] = 0x43; // 'C': a complete record changed under the open store
    writeFileSync(p, bytes);
    expect(kv.get('a')).toBe('A'.repeat(64));
    expect(() => kv.get('b')).toThrow(expect.objectContaining({ code: 'LOG_DAMAGED' }));
    expect(kv.get('c')).toBe('pending');
  });
});
