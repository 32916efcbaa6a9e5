/**
 * The harness verbs' contract at the edges: --help exits 0 (each verb in a real process), bad
 * usage exits 2 with one line (in this process: cliInProcess, the same main() the bin runs).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliInProcess } from './in-process.fixtures.js';

const BIN = resolve(import.meta.dirname, '../../bin/icn-harness.js');
const dir = mkdtempSync(join(tmpdir(), 'icn-verbs-'));
const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('harness verbs', () => {
  it.each(['run', 'diff', 'merge', 'gate', 'replay', 'report'])('%s --help', (verb) => {
    const r = cli([verb, '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Usage: icn-harness ${verb}`);
    expect(r.out).toMatch(/[Ee]xit|exit 0/);
  });

  it.each([
    ['merge without --out', ['merge', 'a.json'], /required option '--out <path>'/],
    [
      'merge of a missing file',
      ['merge', 'nope.json', '--out', 'x.json'],
      /cannot read nope\.json: no such file/,
    ],
    ['gate --accept without a reason', ['gate', '--accept'], /needs --reason/],
    [
      'gate --reason without --accept',
      ['gate', '--manifest', 'm.json', '--reason', 'an intended change of hashes'],
      /^icn-harness gate: error: --reason does not apply without --accept: --reason and --changelog apply only with --accept/,
    ],
    [
      'gate --changelog without --accept',
      ['gate', '--manifest', 'm.json', '--changelog', 'c.md'],
      /^icn-harness gate: error: --changelog does not apply without --accept: .*apply only with --accept/,
    ],
    [
      'gate --manifest --suite',
      ['gate', '--manifest', 'm.json', '--suite', 'vectors'],
      /--suite does not apply with --manifest/,
    ],
    [
      'gate --manifest --jobs',
      ['gate', '--manifest', 'm.json', '--jobs', '2'],
      /--jobs does not apply with --manifest/,
    ],
    ['replay without a file', ['replay'], /replay needs a FILE/],
    ['report without --out', ['report', 'm.json'], /required option '--out <dir>'/],
    ['run --jobs 0', ['run', '--jobs', '0'], /--jobs "0": expected an integer from 1 to 64/],
    ['run --shard 3/2', ['run', '--shard', '3/2'], /--shard 3\/2: expected i\/n with 1 ≤ i ≤ n/],
    ['run --repeat x', ['run', '--repeat', 'x'], /--repeat "x"/],
    [
      'diff with a missing third manifest',
      ['diff', 'a.json', 'b.json', 'c.json'],
      /cannot read a\.json: no such file/,
    ],
  ])('%s: exit 2, one line', async (_name, args, pattern) => {
    const r = await cliInProcess(args as string[], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(pattern as RegExp);
    expect(r.err).not.toMatch(/\n {4}at /);
  });
});
