/**
 * End-to-end tests of the CLI as users run it: the built bin in a child process (npm test builds
 * dist/ first). Exit codes and one-line errors are part of the contract.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeRoot, entryHash, sealed } from '../manifest/build.js';
import { cliInProcess } from './in-process.fixtures.js';

const BIN = resolve(import.meta.dirname, '../../bin/icn-harness.js');
let dir: string;

function cli(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; input?: string } = {},
) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? dir,
    env: { ...process.env, ...opts.env },
    input: opts.input,
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'icn-cli-'));
});

describe('icn-harness run / diff (foundation done-when)', () => {
  it('two runs, another directory, TZ and LANG give one LC root; diff exits 0', () => {
    const a = cli(['run', '--suite', 'vectors', '--out', 'A.json']);
    expect(a.code, a.err).toBe(0);
    const other = mkdtempSync(join(tmpdir(), 'icn-cli-other-'));
    const b = cli(['run', '--suite', 'vectors', '--out', join(dir, 'B.json')], {
      cwd: other,
      env: { TZ: 'Asia/Tokyo', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' },
    });
    expect(b.code, b.err).toBe(0);
    const ra = JSON.parse(readFileSync(join(dir, 'A.json'), 'utf8')).root.lc;
    const rb = JSON.parse(readFileSync(join(dir, 'B.json'), 'utf8')).root.lc;
    expect(rb).toBe(ra);
    const d = cli(['diff', 'A.json', 'B.json']);
    expect(d.code).toBe(0);
    expect(d.out).toContain(`LC identical: ${ra}`);
  });

  it('an edited output in a copy: by hand exit 2 naming the hash; resealed, diff exits 1 naming that entry', () => {
    const m = JSON.parse(readFileSync(join(dir, 'A.json'), 'utf8'));
    const victim = m.entries.find(
      (e: { id: string }) => e.id === 'vectors/icn/did::golden-seed-07',
    );
    victim.outputs.did = 'did:icn:zTampered';
    writeFileSync(join(dir, 'C.json'), JSON.stringify(m, null, 2));
    // by hand: the stored entry hash is stale, bad input naming it
    const bad = cli(['diff', 'A.json', 'C.json']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(
      /C\.json: \$\.entries\[\d+\]\.hash: stored sha256:[0-9a-f]{64}, computed sha256:[0-9a-f]{64}\n$/,
    );
    // as another run would write it: every hash recomputed
    victim.hash = entryHash(victim);
    writeFileSync(
      join(dir, 'C.json'),
      JSON.stringify(sealed({ ...m, root: computeRoot(m.entries) }), null, 2),
    );
    const d = cli(['diff', 'A.json', 'C.json']);
    expect(d.code).toBe(1);
    expect(d.out).toContain('vectors/icn/did::golden-seed-07');
    expect(d.out).toContain('did:icn:zTampered');
    const j = cli(['diff', 'A.json', 'C.json', '--json']);
    expect(Object.keys(JSON.parse(j.out).lc.vectors)).toEqual(['vectors/icn/did::golden-seed-07']);
  });

  it('writes manifest.json and summary.md into a directory', () => {
    const r = cli(['run', '--suite', 'vectors', '--out', 'out']);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'out/summary.md'), 'utf8')).toContain('**LC root**');
    expect(JSON.parse(readFileSync(join(dir, 'out/manifest.json'), 'utf8')).format).toBe(
      'icn-manifest/v1',
    );
  });
});

describe('icn-harness canon', () => {
  it('prints canonical bytes, or the hash under a registered domain', () => {
    writeFileSync(join(dir, 'v.json'), '{ "b": [1, 2], "a": "€" }');
    expect(cli(['canon', 'v.json']).out).toBe('{"a":"€","b":[1,2]}\n');
    const h = cli(['canon', 'v.json', '--hash', 'icn/test/v1']);
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(cli(['canon', '-'], { input: '[3, {"z":1,"y":2}]' }).out).toBe('[3,{"y":2,"z":1}]\n');
  });
});

// main() in this process (the real process is tested above and below): the same output and code
describe('bad input: one line on stderr, exit 2', () => {
  it.each([
    [
      'missing file',
      ['diff', 'A.json', 'nope.json'],
      /^icn-harness diff: error: cannot read nope\.json: no such file\n$/,
    ],
    [
      'invalid JSON',
      ['canon', 'broken.json'],
      /^icn-harness canon: error: broken\.json:1:9: unexpected end of input \(expected ',' or '\]'\) \(at \$\.a\)\n$/,
    ],
    [
      'wrong schema',
      ['diff', 'A.json', 'v.json'],
      /^icn-harness diff: error: v\.json: not an icn-manifest\/v1: \$ must have required property/,
    ],
    [
      'non-integer',
      ['canon', 'float.json'],
      /^icn-harness canon: error: float\.json:1:\d+: number 1\.5 is not an integer literal .*\(at \$\.x\[1\]\)\n$/,
    ],
    ['unknown domain', ['canon', 'v.json', '--hash', 'icn/none/v1'], /unknown domain tag/],
    ['unknown suite', ['run', '--suite', 'nope'], /unknown suite "nope"/],
    ['bad seed', ['run', '--seed', '-4'], /a seed is a decimal integer/],
    ['unknown flag', ['run', '--bogus'], /unknown option '--bogus'/],
    ['missing argument', ['diff', 'A.json'], /missing required argument 'b'/],
  ])('%s', async (_name, args, pattern) => {
    writeFileSync(join(dir, 'broken.json'), '{"a": [1');
    writeFileSync(join(dir, 'float.json'), '{"x": [1, 1.5]}');
    const r = await cliInProcess(args, dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(pattern);
    expect(r.err).not.toMatch(/\n    at /); // no stack traces for bad input
  });
});

describe('list and help', () => {
  it('lists entries without running them', () => {
    const r = cli(['list', '--filter', 'vectors/icn']);
    expect(r.code).toBe(0);
    expect(
      r.out
        .split('\n')
        .filter(Boolean)
        .every((l) => l.startsWith('vectors/icn/')),
    ).toBe(true);
    expect(r.out).toContain('vectors/icn/did::golden-seed-07\tlc\t');
  });

  it('every verb has --help', () => {
    for (const verb of ['run', 'list', 'diff', 'canon']) {
      const r = cli([verb, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toContain(`Usage: icn-harness ${verb}`);
    }
  });

  it('the manifest copy keeps its content when the diff target is a directory (nothing half-written)', () => {
    copyFileSync(join(dir, 'A.json'), join(dir, 'A2.json'));
    const r = cli(['run', '--suite', 'vectors', '--out', join(dir, 'A2.json', 'x.json')]);
    expect(r.code).toBe(2);
    expect(JSON.parse(readFileSync(join(dir, 'A2.json'), 'utf8')).format).toBe('icn-manifest/v1');
  });
});
