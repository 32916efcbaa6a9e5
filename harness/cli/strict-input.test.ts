/**
 * The strict-input cases of issue 15, end to end through the built CLI: each is one line on
 * stderr and exit 2 (bad input), never a stack trace or a silently rounded or replaced value;
 * a guest stack overflow on raw is a typed trap result. The canon cases run main() in this
 * process (cliInProcess); the nesting and stack cases stay in real processes (their stack).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliInProcess } from './in-process.fixtures.js';

const BIN = resolve(import.meta.dirname, '../../bin/icn-harness.js');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'icn-strict-'));
});
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
/** canon through main() in this process (cliInProcess), reported as spawnSync reports a child. */
const canon = async (...args: string[]) => {
  const r = await cliInProcess(['canon', ...args], dir);
  return { status: r.code, stdout: r.out, stderr: r.err };
};
const oneLine = (
  r: Pick<ReturnType<typeof cli>, 'status' | 'stderr'>,
  verb: string,
  want: RegExp,
) => {
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr).toMatch(new RegExp(`^icn-harness ${verb}: error: `));
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr.trimEnd()).toMatch(want);
  expect(r.stderr).not.toMatch(/\n\s+at /);
};

describe('strict input at the CLI: one line, exit 2', () => {
  it('number text that is not an exact safe integer literal is refused, naming the path', async () => {
    for (const [text, path] of [
      ['1.0000000000000001', '\\$'],
      ['{"a": 9007199254740990.9999999}', '\\$\\.a'],
      ['[1e-400]', '\\$\\[0\\]'],
    ] as const) {
      writeFileSync(join(dir, 'n.json'), text);
      oneLine(
        await canon('--hash', 'icn/test/v1', 'n.json'),
        'canon',
        new RegExp(`n\\.json:1:\\d+: number .* \\(at ${path}\\)$`),
      );
    }
  });

  it('invalid UTF-8 is refused naming the byte offset: two files no longer hash the same', async () => {
    writeFileSync(join(dir, 'ff.json'), Buffer.from([0x22, 0x61, 0xff, 0x22]));
    writeFileSync(join(dir, 'fe.json'), Buffer.from([0x22, 0x61, 0xfe, 0x22]));
    oneLine(
      await canon('--hash', 'icn/test/v1', 'ff.json'),
      'canon',
      /ff\.json: invalid UTF-8 at byte offset 2 \(0xff\)$/,
    );
    oneLine(await canon('fe.json'), 'canon', /fe\.json: invalid UTF-8 at byte offset 2 \(0xfe\)$/);
  });

  it('a .wast nested 5,000 levels deep is an error, not a stack overflow', () => {
    writeFileSync(
      join(dir, 'deep.wast'),
      `(module (func ${'(block '.repeat(5000)}${')'.repeat(5000)}))\n`,
    );
    const r = cli('wast', 'deep.wast', '--engine', 'interp');
    oneLine(r, 'wast', /deep\.wast:1: lists nested deeper than 1000$/);
    expect(r.stdout).toBe(''); // the one line is all: no per-script FAIL or totals for a run of unreadable scripts
  });

  it('check of a deeply nested .wat names the reason', () => {
    for (const n of [300, 5000]) {
      writeFileSync(
        join(dir, 'deep.wat'),
        `(module (func ${'(block '.repeat(n)}${')'.repeat(n)}))\n`,
      );
      oneLine(
        cli('check', 'deep.wat', '--profile', 'dc'),
        'check',
        n > 1000 ? /deep\.wat:1: parentheses nested deeper than 1000$/ : /nested too deeply/,
      );
    }
  });
});

describe('a guest stack overflow on raw', () => {
  it('is a typed trap result (stack_exhausted) on stdout under --json, exit 0', () => {
    writeFileSync(
      join(dir, 'rec.wat'),
      '(module (func $deep (export "deep") (param i32) (result i32) (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0)) (else (i32.add (i32.const 1) (call $deep (i32.sub (local.get 0) (i32.const 1))))))))\n',
    );
    const r = cli(
      'exec',
      'rec.wat',
      '--profile',
      'raw',
      '--invoke',
      'deep',
      '--args',
      'i32:1000000',
      '--json',
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { outcome: string; trap: string };
    expect([out.outcome, out.trap]).toEqual(['trapped', 'stack_exhausted']);
  });
});
