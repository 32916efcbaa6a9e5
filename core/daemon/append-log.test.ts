import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../canonical/index.js';
import { AppendLog, LOG_MAGIC, LogError, type OpenOptions } from './append-log.js';

// The writer runs as its own process from the compiled module (npm test builds dist/ first).
const COMPILED = resolve(import.meta.dirname, '../../dist/core/daemon/append-log.js');
const fresh = () => join(mkdtempSync(join(tmpdir(), 'icn-log-')), 'state.log');

/** Open, collect every record, close. */
function readAll(p: string, opts: OpenOptions = {}): { records: unknown[]; log: AppendLog } {
  const records: unknown[] = [];
  const log = AppendLog.open(p, opts, (v) => records.push(v));
  log.close();
  return { records, log };
}

function damaged(f: () => unknown): LogError {
  try {
    f();
  } catch (e) {
    if (e instanceof LogError && e.code === 'LOG_DAMAGED') return e;
    throw e;
  }
  throw new Error('expected LOG_DAMAGED');
}

describe('AppendLog', () => {
  it('replays what was appended, across reopen, and reads records back by reference', () => {
    const p = fresh();
    const log = AppendLog.open(p);
    const refs = log.append({ n: 1 }, { n: 2, s: 'x' });
    log.append(['a']);
    expect(log.read(refs[1]!)).toEqual({ n: 2, s: 'x' });
    log.close();
    const again = readAll(p);
    expect(again.records).toEqual([{ n: 1 }, { n: 2, s: 'x' }, ['a']]);
    expect(again.log.openReport).toEqual({ records: 3, truncatedBytes: 0 });
    expect(readFileSync(p).subarray(0, 8).equals(LOG_MAGIC)).toBe(true);
  });

  it('property: a crash at any byte keeps every whole record before it and drops only the torn tail', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ k: fc.string(), v: fc.integer() }), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        (recs, cutSeed) => {
          const p = fresh();
          const log = AppendLog.open(p);
          const ends: number[] = [];
          for (const r of recs) {
            log.append(r);
            ends.push(statSync(p).size);
          }
          log.close();
          const cut = cutSeed % (ends[ends.length - 1]! + 1);
          truncateSync(p, cut);
          const back = AppendLog.open(p);
          const whole = ends.filter((e) => e <= cut).length;
          // a magic cut short is a log that never acknowledged anything: started over, nothing to cut
          expect(back.openReport.truncatedBytes).toBe(
            cut < LOG_MAGIC.length ? 0 : cut - (whole ? ends[whole - 1]! : LOG_MAGIC.length),
          );
          back.append({ after: true }); // still appendable after recovery
          back.close();
          expect(readAll(p).records).toEqual([...recs.slice(0, whole), { after: true }]);
        },
      ),
      { numRuns: 60, seed: 14 },
    );
  });

  it('property: a bit flip in any complete record refuses to open, naming the offset; --repair moves exactly the tail aside', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ k: fc.string(), v: fc.integer() }), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (recs, at, bit) => {
          const p = fresh();
          const log = AppendLog.open(p);
          const starts: number[] = [];
          for (const r of recs) starts.push(log.append(r)[0]!.at);
          log.close();
          const bytes = readFileSync(p);
          const pos = LOG_MAGIC.length + (at % (bytes.length - LOG_MAGIC.length));
          bytes[pos] = bytes[pos]! ^ (1 << bit);
          writeFileSync(p, bytes);
          const hit = starts.filter((s) => s <= pos).length - 1; // the record the flip landed in
          const e = damaged(() => AppendLog.open(p));
          expect(e.details).toMatchObject({
            path: p,
            offset: starts[hit],
            bytes: bytes.length - starts[hit]!,
            intactRecords: recs.length - hit - 1,
          });
          expect(e.message).toContain(`damaged at byte ${starts[hit]}`);
          expect(readFileSync(p).equals(bytes)).toBe(true); // refused: nothing changed
          const fixed = readAll(p, { repair: true });
          expect(fixed.records).toEqual(recs.slice(0, hit));
          expect(fixed.log.openReport.repaired).toEqual({
            movedTo: `${p}.damaged-${starts[hit]}`,
            offset: starts[hit],
            bytes: bytes.length - starts[hit]!,
            intactRecords: recs.length - hit - 1,
          });
          expect(
            readFileSync(`${p}.damaged-${starts[hit]}`).equals(bytes.subarray(starts[hit])),
          ).toBe(true);
        },
      ),
      { numRuns: 60, seed: 14 },
    );
  });

  it('a zeroed tail is damage, not a torn write: refused, then moved aside by repair', () => {
    const p = fresh();
    const log = AppendLog.open(p);
    for (let i = 0; i < 20; i++) log.append({ i, pad: 'x'.repeat(100) });
    log.close();
    const bytes = readFileSync(p);
    const from = bytes.length - 1000;
    bytes.fill(0, from);
    writeFileSync(p, bytes);
    const e = damaged(() => AppendLog.open(p));
    expect(e.message).toMatch(/would be lost/);
    const fixed = readAll(p, { repair: true });
    const kept = fixed.records.length;
    expect(kept).toBeLessThan(20);
    expect(fixed.log.openReport.repaired?.bytes).toBe(
      bytes.length - fixed.log.openReport.repaired!.offset,
    );
    expect(existsSync(fixed.log.openReport.repaired!.movedTo)).toBe(true);
  });

  it('property: a bit flip in the format header is header damage, never a v1 log: refused naming every intact record; repair writes the header again and loses nothing', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: LOG_MAGIC.length * 8 - 1 }), (bit) => {
        const p = fresh();
        const log = AppendLog.open(p);
        for (let i = 0; i < 12; i++) log.append({ i });
        log.close();
        const bytes = readFileSync(p);
        bytes[bit >> 3]! ^= 1 << (bit & 7);
        writeFileSync(p, bytes);
        const e = damaged(() => AppendLog.open(p));
        expect(e.message).toMatch(
          /damaged at byte 0 \(the 8-byte format header is not ICN's; the 12 record\(s\) after it pass their checks\)/,
        );
        expect(readFileSync(p).equals(bytes)).toBe(true); // nothing changed
        const fixed = readAll(p, { repair: true });
        expect(fixed.records).toEqual(Array.from({ length: 12 }, (_, i) => ({ i })));
        expect(fixed.log.openReport).toMatchObject({ headerRewritten: true, records: 12 });
        expect(fixed.log.openReport.migratedFrom).toBeUndefined();
        expect(readAll(p).records).toHaveLength(12);
      }),
      { numRuns: 24, seed: 64 },
    );
  });

  it('a second repair at the same offset moves its tail beside the first one, never over it', () => {
    const p = fresh();
    const damageTail = () => {
      const log = AppendLog.open(p);
      for (let i = 0; i < 5; i++) log.append({ i });
      const at = log.bytes;
      log.close();
      writeFileSync(p, Buffer.concat([readFileSync(p), Buffer.alloc(100, 0xff)]));
      return at;
    };
    const at = damageTail();
    const first = readAll(p, { repair: true }).log.openReport.repaired!;
    expect(first).toMatchObject({ offset: at, movedTo: `${p}.damaged-${at}` });
    truncateSync(p, at - (at - 8)); // back to the bare header: the next five records land at the same offsets
    expect(damageTail()).toBe(at);
    const second = readAll(p, { repair: true }).log.openReport.repaired!;
    expect(second).toMatchObject({ offset: at, movedTo: `${p}.damaged-${at}.2` });
    expect(readFileSync(first.movedTo)).toHaveLength(100);
    expect(readFileSync(second.movedTo)).toHaveLength(100);
  });

  it('reads a format v1 log (no magic) and rewrites it as v2', () => {
    const p = fresh();
    const recs = [{ a: 1 }, { b: 'two' }];
    const v1 = recs.map((r) => {
      const payload = canonicalize(r);
      const len = Buffer.alloc(4);
      len.writeUInt32LE(payload.length, 0);
      return Buffer.concat([len, payload, Buffer.from(sha256(payload).subarray(0, 8))]);
    });
    writeFileSync(p, Buffer.concat(v1));
    const first = readAll(p);
    expect(first.records).toEqual(recs);
    expect(first.log.openReport.migratedFrom).toBe(1);
    expect(readFileSync(p).subarray(0, 8).equals(LOG_MAGIC)).toBe(true);
    const second = readAll(p);
    expect(second.records).toEqual(recs);
    expect(second.log.openReport.migratedFrom).toBeUndefined();
  });

  it('acknowledged records survive kill -9 of the writer', () => {
    const p = fresh();
    const script = `
      import { AppendLog } from ${JSON.stringify(COMPILED)};
      const log = AppendLog.open(${JSON.stringify(p)});
      for (let i = 0; i < 50; i++) { log.append({ i }); process.stdout.write('ack ' + i + '\\n'); }
      process.kill(process.pid, 'SIGKILL');
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    const acked = r.stdout.split('\n').filter((l) => l.startsWith('ack ')).length;
    expect(r.signal).toBe('SIGKILL');
    expect(acked).toBe(50);
    expect(readAll(p).records).toEqual(Array.from({ length: 50 }, (_, i) => ({ i })));
  });
});
