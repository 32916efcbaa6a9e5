import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppendLog, LogError } from './append-log.js';

// The writer runs as its own process from the compiled module (npm test builds dist/ first).
const COMPILED = resolve(import.meta.dirname, '../../dist/core/daemon/append-log.js');
const fresh = () => join(mkdtempSync(join(tmpdir(), 'icn-log-')), 'state.log');

describe('AppendLog', () => {
  it('replays what was appended, across reopen', () => {
    const p = fresh();
    const log = AppendLog.open(p);
    log.append({ n: 1 }, { n: 2, s: 'x' });
    log.append(['a']);
    log.close();
    const again = AppendLog.open(p);
    expect(again.records()).toEqual([{ n: 1 }, { n: 2, s: 'x' }, ['a']]);
    expect(again.openReport).toEqual({ records: 3, truncatedBytes: 0 });
  });

  it('property: a crash at any byte keeps every whole record before it and drops only the torn tail', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ k: fc.string(), v: fc.integer() }), { minLength: 1, maxLength: 6 }), fc.nat(), (recs, cutSeed) => {
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
        expect(back.records()).toEqual(recs.slice(0, whole));
        expect(back.openReport.truncatedBytes).toBe(cut - (whole ? ends[whole - 1]! : 0));
        back.append({ after: true }); // still appendable after recovery
        back.close();
        expect(AppendLog.open(p).records().length).toBe(whole + 1);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a log whose middle is damaged', () => {
    const p = fresh();
    const log = AppendLog.open(p);
    log.append({ a: 1 }, { b: 2 }, { c: 3 });
    log.close();
    const bytes = readFileSync(p);
    bytes.writeUInt8(bytes.readUInt8(6) ^ 0xff, 6); // inside the first record's payload
    writeFileSync(p, bytes);
    expect(() => AppendLog.open(p)).toThrow(LogError);
  });

  it('acknowledged records survive kill -9 of the writer', () => {
    const p = fresh();
    const script = `
      import { AppendLog } from ${JSON.stringify(COMPILED)};
      const log = AppendLog.open(${JSON.stringify(p)});
      for (let i = 0; i < 50; i++) { log.append({ i }); process.stdout.write('ack ' + i + '\\n'); }
      process.kill(process.pid, 'SIGKILL');
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const acked = r.stdout.split('\n').filter((l) => l.startsWith('ack ')).length;
    expect(r.signal).toBe('SIGKILL');
    expect(acked).toBe(50);
    expect(AppendLog.open(p).records()).toEqual(Array.from({ length: 50 }, (_, i) => ({ i })));
  });
});
