/** check / exec / wast through the built CLI: output forms and exit codes (0, 1, 2, 3). */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = join(process.cwd(), 'bin', 'icn-harness.js');
const dir = mkdtempSync(join(tmpdir(), 'icn-wasm-cli-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const INT = file(
  'int.wat',
  '(module (func (export "add") (param i32 i64) (result i64) (i64.add (i64.extend_i32_s (local.get 0)) (local.get 1))) (func (export "boom") unreachable))',
);
const FLOAT = file(
  'float.wat',
  '(module (func (export "f") (param f32) (result f32) (f32.sqrt (local.get 0))))',
);
const BAD = file('bad.wat', '(module (func (export "f") (result i32)))');
const WAST = file(
  's.wast',
  '(module (func (export "one") (result i32) (i32.const 1)))\n(assert_return (invoke "one") (i32.const 1))\n(assert_return (invoke "one") (i32.const 2))\n',
);

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe.runIf(existsSync(join(process.cwd(), 'dist', 'harness', 'cli', 'main.js')))(
  'wasm CLI verbs',
  () => {
    it('check: 0 accepted, 1 rejected with every violation, 2 usage', () => {
      expect(cli(['check', INT, '--profile', 'dc']).code).toBe(0);
      const r = cli(['check', FLOAT, '--profile', 'dc', '--json']);
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.out) as { accepted: boolean; violations: { code: string }[] };
      expect(doc.accepted).toBe(false);
      expect(doc.violations.length).toBeGreaterThanOrEqual(2);
      expect(cli(['check', BAD, '--profile', 'raw']).code).toBe(1);
      expect(cli(['check', INT, '--profile', 'nope']).code).toBe(2);
      expect(cli(['check', join(dir, 'missing.wasm'), '--profile', 'dc']).code).toBe(2);
    });
    it('exec: 0 for a result or a trap, 1 rejected, 2 usage', () => {
      const ok = cli([
        'exec',
        INT,
        '--profile',
        'dc',
        '--invoke',
        'add',
        '--args',
        'i32:-1,i64:-2',
        '--json',
      ]);
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.out)).toMatchObject({
        outcome: 'completed',
        returns: ['i64:0xfffffffffffffffd'],
      });
      const trap = cli(['exec', INT, '--profile', 'dc', '--invoke', 'boom']);
      expect(trap.code).toBe(0);
      expect(trap.out).toMatch(/^trapped \(unreachable\)/);
      expect(
        cli(['exec', FLOAT, '--profile', 'dc', '--invoke', 'f', '--args', 'f32:0x40800000']).code,
      ).toBe(1);
      expect(
        JSON.parse(
          cli([
            'exec',
            FLOAT,
            '--profile',
            'dc-float',
            '--invoke',
            'f',
            '--args',
            'f32:0xbf800000',
            '--json',
          ]).out,
        ).returns,
      ).toEqual(['f32:0x7fc00000']);
      expect(cli(['exec', INT, '--profile', 'dc', '--invoke', 'add', '--args', 'i32:1']).code).toBe(
        2,
      );
      expect(
        cli(['exec', INT, '--profile', 'dc', '--invoke', 'add', '--args', 'i32:1,x64:2']).code,
      ).toBe(2);
      expect(cli(['exec', INT, '--profile', 'dc', '--invoke', 'nope']).code).toBe(2);
      expect(
        cli([
          'exec',
          INT,
          '--profile',
          'dc',
          '--invoke',
          'add',
          '--args',
          'i32:1,i64:2',
          '--fuel',
          '-1',
        ]).code,
      ).toBe(2);
    });
    it('wast: per-command lines, closing counts, exit 1 on a failure, JSON with reasons', () => {
      const r = cli(['wast', WAST, '--engine', 'dc']);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/^PASS s\.wast:2 assert_return values:i32:0x00000001$/m);
      expect(r.out).toMatch(
        /^FAIL s\.wast:3 assert_return values:i32:0x00000001 \(expected i32:0x00000002/m,
      );
      expect(r.out.trim().split('\n').pop()).toBe('2 passed, 1 failed, 0 skipped');
      const j = JSON.parse(cli(['wast', WAST, '--engine', 'raw', '--json']).out) as {
        failed: number;
        files: { results: { status: string; reason?: string }[] }[];
      };
      expect(j.failed).toBe(1);
      expect(j.files[0]!.results[2]!.reason).toMatch(/expected/);
      expect(cli(['wast', WAST, '--engine', 'bogus']).code).toBe(2);
    });
    it('wast: several paths in one run; the closing line counts skips by named reason; an unreadable script does not stop the run (exit 2 at the end)', () => {
      const d1 = mkdtempSync(join(tmpdir(), 'icn-wast-a-'));
      const d2 = mkdtempSync(join(tmpdir(), 'icn-wast-b-'));
      writeFileSync(
        join(d1, 'a.wast'),
        '(module (func (export "f") (result f32) (f32.const 1)))\n(assert_return (invoke "f") (f32.const 1))\n',
      );
      writeFileSync(join(d2, 'b.wast'), '(module (memory 1) (memory 1))\n');
      writeFileSync(join(d2, 'c.wast'), '(module\n(func)\n');
      const r = cli(['wast', d1, d2, '--engine', 'dc']);
      // every script ran; the one the reader could not read makes the run bad input (exit 2), named on stderr
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^icn-harness wast: error: c\.wast:\d+: .+\n$/);
      expect(r.out).not.toMatch(/c\.wast/); // named once, on stderr
      expect(r.out.trim().split('\n').pop()).toBe(
        '0 passed, 1 failed, 3 skipped (profile rule profile_float: 2; multi-memory: outside every ICN profile: 1)',
      );
      const j = JSON.parse(cli(['wast', d1, d2, '--engine', 'dc', '--json']).out) as {
        skipsByReason: Record<string, number>;
      };
      expect(j.skipsByReason).toEqual({
        'profile rule profile_float': 2,
        'multi-memory: outside every ICN profile': 1,
      });
    });
  },
);
