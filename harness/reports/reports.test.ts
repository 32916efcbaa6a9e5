import { describe, expect, it } from 'vitest';
import { contentHash, DOMAIN } from '../../core/hash/index.js';
import { buildManifest, sealEntry } from '../manifest/build.js';
import type { EntryStatus, Manifest } from '../manifest/types.js';
import { annotations, escapeData } from './annotations.js';
import { htmlReport } from './html.js';
import { junitXml, xmlAttrEscape } from './junit.js';
import { markdownSummary } from './markdown.js';

function manifest(n: number, statuses: EntryStatus[] = ['pass']): Manifest {
  const entries = Array.from({ length: n }, (_, i) => {
    const status = statuses[i % statuses.length]!;
    return sealEntry({
      id: `vectors/big/f${String(i).padStart(5, '0')}::case-<&>"'`,
      suite: 'vectors',
      class: 'lc',
      tags: [],
      inputs: contentHash(DOMAIN.test, i),
      outputs: { out: `value ${i} ${'x'.repeat(60)}` },
      status,
      ...(status === 'pass' ? {} : { reason: `why ${i}: 100% broken,\nsecond line` }),
      reproduce: `icn-harness run --filter 'vectors/big/f${i}'`,
    });
  });
  return buildManifest({ entries, platform: { arch: 'x64', os: 'linux', node: 'v20.20.2', v8: '11.3', v8Flags: [], tier: 'default', cpuFeatures: ['avx2'] }, generator: { name: 'icn-harness', version: 't' }, volatile: { caseMs: {} } });
}

describe('JUnit XML', () => {
  it('counts per suite, maps xfail to skipped (never a pass) and xpass to a failure, escapes', () => {
    const x = junitXml(manifest(6, ['pass', 'fail', 'error', 'xfail', 'xpass', 'skip']));
    expect(x).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="icn-harness" tests="6" failures="2" errors="1" skipped="2"/);
    expect(x).toContain('<testsuite name="vectors" tests="6" failures="2" errors="1" skipped="2"');
    expect(x).toContain('name="big/f00003::case-&lt;&amp;&gt;&quot;&apos;"');
    expect(x).toMatch(/f00003[^\n]*\n\s*<skipped message="xfail \(expected failure, not a pass\): why 3/);
    expect(x).toMatch(/f00004[^\n]*\n\s*<failure message="xpass: why 4/);
    expect(x).toMatch(/f00002[^\n]*\n\s*<error message="why 2/);
    expect(x).not.toMatch(/<[^>]*[<][^>]*>/); // no raw < inside a tag
    expect(x.match(/<testcase /g)).toHaveLength(6);
  });
});

describe('GitHub annotations and Markdown', () => {
  it('one ::error per failure with escaped data and the vector file', () => {
    const a = annotations(manifest(3, ['pass', 'fail', 'xpass']));
    expect(a).toHaveLength(2);
    expect(a[0]).toMatch(/^::error file=vectors\/big\/f00001\.json,title=fail vectors\/big\/f00001%3A%3Acase-<&>"'::/);
    expect(a[0]).toContain('::why 1: 100%25 broken,%0Asecond line%0Areproduce: ');
    expect(a[1]).toMatch(/^::warning /);
    expect(escapeData('a%\r\nb')).toBe('a%25%0D%0Ab');
  });
  it('the summary says FAILED and lists failures', () => {
    const md = markdownSummary(manifest(3, ['pass', 'fail']));
    expect(md).toMatch(/^# icn-harness run: FAILED/);
    expect(md).toContain('- **fail** `vectors/big/f00001::case-<&>"\'`: why 1: 100% broken,\\u000asecond line');
    expect(markdownSummary(manifest(2))).toMatch(/^# icn-harness run: passed/);
  });
  it('a hostile sealed manifest (newline + ::error::, ESC in platform.os and a reason) starts no workflow command and keeps no control byte', () => {
    const m = manifest(2, ['pass', 'fail']);
    const bad = '\n::error::forged\u001b[2J';
    const entries = m.entries.map((e) => (e.status === 'fail' ? sealEntry({ ...e, reason: `r${bad}` }) : e));
    const hostile = buildManifest({ entries, platform: { ...m.platform, os: `linux${bad}` }, generator: m.generator, volatile: { caseMs: {} } });
    const md = markdownSummary(hostile);
    const x = junitXml(hostile);
    for (const out of [md, x]) {
      expect(out.split('\n').filter((l) => l.trimStart().startsWith('::'))).toEqual([]);
      expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    }
    expect(md).toContain('linux\\u000a::error::forged\\u001b[2J');
    expect(x).toContain('value="x64 linux\\u000a::error::forged\\u001b[2J node');
    expect(x).not.toMatch(/="[^"]*\n/); // no literal newline inside an attribute
  });
  it('JUnit attributes keep a newline or tab as a character reference (a parser would turn them into spaces)', () => {
    expect(xmlAttrEscape('a\nb\r\tc"\u001b')).toBe('a&#10;b&#13;&#9;c&quot;\ufffd');
  });
});

describe('HTML report', () => {
  it('is one self-contained file with platform, charts and tables, escaped', () => {
    const h = htmlReport(manifest(4, ['pass', 'fail']));
    expect(h).toMatch(/^<!doctype html>/);
    expect(h).not.toMatch(/<script[^>]*src=|<link|src="http|https?:\/\//);
    expect(h.match(/<script>/g)).toHaveLength(1); // the inline filter script, nothing fetched
    expect(h).toContain('<h2>Platform fingerprint</h2>');
    expect(h).toContain('<svg class="chart"');
    expect(h).toContain('case-&lt;&amp;&gt;');
    expect(h).toContain('FAILED');
  });
  it('stays under its size cap, keeping failures before passes', () => {
    const m = manifest(3000, ['pass', 'pass', 'pass', 'fail']);
    const full = htmlReport(m, { capBytes: 100 * 1024 * 1024 });
    expect(Buffer.byteLength(full)).toBeGreaterThan(400_000);
    const capped = htmlReport(m, { capBytes: 400_000 });
    expect(Buffer.byteLength(capped)).toBeLessThanOrEqual(400_000);
    expect(capped).toMatch(/rows omitted \(failures are kept first\)/);
    expect(capped).toContain('f00003::'); // a failure survives
    expect(capped).not.toContain('f02000::'); // a pass does not
  });
});

describe('icn-harness report', () => {
  it('writes the reports of a manifest and charts attached benchmark ratios; bad ratios exit 2', async () => {
    const { spawnSync } = await import('node:child_process');
    const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join, resolve } = await import('node:path');
    const { writeManifest } = await import('../manifest/io.js');
    const dir = mkdtempSync(join(tmpdir(), 'icn-report-'));
    writeManifest(join(dir, 'm.json'), manifest(3, ['pass', 'fail']));
    writeFileSync(join(dir, 'bench.json'), JSON.stringify({ rows: [{ kernel: 'fib', profile: 'dc', ratio: 1.42 }] }));
    const bin = resolve(import.meta.dirname, '../../bin/icn-harness.js');
    const r = spawnSync(process.execPath, [bin, 'report', 'm.json', '--out', 'out', '--benchmarks', 'bench.json', '--annotations'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^::error file=vectors\/big\/f00001\.json/m);
    const html = readFileSync(join(dir, 'out/report.html'), 'utf8');
    expect(html).toContain('fib (dc)');
    expect(html).toContain('1.42×');
    expect(readFileSync(join(dir, 'out/junit.xml'), 'utf8')).toContain('tests="3"');
    writeFileSync(join(dir, 'bad.json'), JSON.stringify([{ name: 'x', ratio: 'fast' }]));
    const b = spawnSync(process.execPath, [bin, 'report', 'm.json', '--out', 'out', '--benchmarks', 'bad.json'], { cwd: dir, encoding: 'utf8' });
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/bad\.json: \[0\]: needs a name and a finite ratio/);
  });
});
