import { describe, expect, it } from 'vitest';
import { contentHash, DOMAIN } from '../../core/hash/index.js';
import { sealEntry } from '../manifest/build.js';
import type { EntryStatus } from '../manifest/types.js';
import { createProgress } from './progress.js';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = {
    isTTY,
    columns: 80,
    write: (s: string) => chunks.push(s),
  } as unknown as NodeJS.WriteStream;
  return { stream, text: () => chunks.join('') };
}
const entry = (i: number, status: EntryStatus) =>
  sealEntry({
    id: `s/c${i}`,
    suite: 's',
    class: 'lc',
    tags: [],
    inputs: contentHash(DOMAIN.test, i),
    outputs: {},
    status,
    ...(status === 'pass' ? {} : { reason: 'broke\nbadly' }),
  });

describe('progress display', () => {
  it('CI / pipes: plain lines for notable entries and every 10 %, no control characters', () => {
    const s = sink(false);
    const p = createProgress(s.stream, false);
    for (let i = 1; i <= 100; i++)
      p.onCase(i, 100, entry(i, i === 42 ? 'fail' : 'pass'), 'default');
    p.end();
    const lines = s.text().split('\n').filter(Boolean);
    expect(lines).toContain('[42/100] FAIL s/c42: broke badly');
    expect(lines.filter((l) => /^\[default\] \d+\/100 cases$/.test(l))).toHaveLength(10);
    expect(s.text()).not.toMatch(/[\r\u001b]/);
  });
  it('a terminal: one redrawn bar, failures printed above it, cleared at the end', () => {
    const s = sink(true);
    const p = createProgress(s.stream, true);
    p.onCase(1, 3, entry(1, 'pass'), 'default');
    p.onCase(2, 3, entry(2, 'error'), 'liftoff');
    p.onCase(3, 3, entry(3, 'pass'), 'liftoff');
    p.end();
    const t = s.text();
    expect(t).toContain('\r\u001b[2K[liftoff 2/3] ERROR s/c2: broke badly\n');
    expect(t).toMatch(/\[#{28}\] 3\/3 liftoff s\/c3/);
    expect(t.endsWith('\r\u001b[2K')).toBe(true);
  });
});
