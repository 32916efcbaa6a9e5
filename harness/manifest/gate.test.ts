/**
 * The release gate: fails on an unaccepted LC change, passes after `--accept --reason`, which
 * rewrites the golden and appends to the consensus changelog; refuses what must not be accepted.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliInProcess } from '../cli/in-process.fixtures.js';

const BIN = resolve(import.meta.dirname, '../../bin/icn-harness.js');
const FLAKY = resolve(import.meta.dirname, '../runner/fixtures/flaky-suite.mjs');
let dir: string;
const cli = (args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: { ...process.env, ICN_HARNESS_EXTRA_SUITES: FLAKY, ...env },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
// --changelog applies only with --accept (an error without it). gate --manifest runs main() in this
// process (cliInProcess); the last test and .ci/run run the verb in a real process.
const gate = (...args: string[]) =>
  cliInProcess(
    [
      'gate',
      '--golden',
      'golden.json',
      ...(args.includes('--accept') ? ['--changelog', 'CHANGELOG.md'] : []),
      ...args,
    ],
    dir,
  );

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'icn-gate-'));
  expect(cli(['run', '--suite', 'flaky', '--out', 'v1.json']).code).toBe(0);
  // An LC change: the fixture's traced simulation takes another path from step 600 on.
  expect(
    cli(['run', '--suite', 'flaky', '--out', 'v2.json'], { FLAKY_MODE: 'tz', TZ: 'UTC' }).code,
  ).toBe(0);
  writeFileSync(join(dir, 'CHANGELOG.md'), '# Consensus changelog\n');
});

describe('icn-harness gate', () => {
  it('without a golden: a usage error telling how to create one', async () => {
    const r = await gate('--manifest', 'v1.json');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no golden manifest at golden\.json: create it with --accept --reason/);
  });

  it('accept needs a reason', async () => {
    expect((await gate('--manifest', 'v1.json', '--accept')).err).toMatch(/needs --reason/);
    expect((await gate('--manifest', 'v1.json', '--accept', '--reason', 'x')).code).toBe(2);
  });

  it('fails on an unaccepted LC change and passes after --accept', async () => {
    expect(
      (
        await gate(
          '--manifest',
          'v1.json',
          '--accept',
          '--reason',
          'initial golden of the flaky fixture',
        )
      ).code,
    ).toBe(0);
    const golden = JSON.parse(readFileSync(join(dir, 'golden.json'), 'utf8'));
    expect(golden.entries.every((e: { class: string }) => e.class === 'lc')).toBe(true); // advisory entries never gate
    expect(golden._volatile).toEqual({});
    expect((await gate('--manifest', 'v1.json')).code).toBe(0);

    const r = await gate('--manifest', 'v2.json');
    expect(r.code).toBe(1);
    expect(r.out).toContain('CHANGED flaky/traced::sim');
    expect(r.out).toMatch(/outputs\.final\n {6}golden: sha256:[0-9a-f]{64}\n {6}run: {4}sha256:/);
    expect(r.out).toContain('gate FAILED: 1 changed, 0 missing, 0 new LC entries');

    const a = await gate(
      '--manifest',
      'v2.json',
      '--accept',
      '--reason',
      'the simulator now mixes the zone into its state (test)',
    );
    expect(a.code, a.err).toBe(0);
    expect((await gate('--manifest', 'v2.json')).code).toBe(0);
    expect((await gate('--manifest', 'v1.json')).code).toBe(1); // the old rules are now the fork

    const log = readFileSync(join(dir, 'CHANGELOG.md'), 'utf8');
    expect(log).toContain('Reason: the simulator now mixes the zone into its state (test)');
    expect(log).toMatch(/## \d{4}-\d\d-\d\d: LC root sha256:[0-9a-f]{64} → sha256:[0-9a-f]{64}/);
    expect(log).toContain('- `flaky/traced::sim` (trace.root, outputs.final)');
    expect(log.match(/^## /gm)).toHaveLength(2);
  });

  it('new and missing LC entries fail unless allowed; a hand-edited golden is refused', async () => {
    expect(
      cli(['run', '--suite', 'flaky', '--filter', 'flaky/stable', '--out', 'part.json']).code,
    ).toBe(0);
    const r = await gate('--manifest', 'part.json');
    expect(r.code).toBe(1);
    expect(r.out).toContain('MISSING flaky/traced::sim');
    const g = JSON.parse(readFileSync(join(dir, 'golden.json'), 'utf8'));
    g.entries[0].outputs.value = '43';
    writeFileSync(join(dir, 'golden.json'), JSON.stringify(g));
    const e = await gate('--manifest', 'v2.json');
    expect(e.code).toBe(2);
    expect(e.err).toMatch(
      /golden\.json: \$\.entries\[0\]\.hash: stored sha256:[0-9a-f]{64}, computed sha256:[0-9a-f]{64}$/m,
    );
  });

  it('refuses to accept failing lc entries', async () => {
    expect(
      cli(['run', '--suite', 'flaky', '--out', 'failing.json'], { FLAKY_MODE: 'fail' }).code,
    ).toBe(1);
    const r = cli([
      'gate',
      '--golden',
      'g2.json',
      '--changelog',
      'CL2.md',
      '--manifest',
      'failing.json',
      '--accept',
      '--reason',
      'should never be accepted',
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /refusing to accept a run with 1 failing lc entries \(flaky\/stable::one: fail\)/,
    );
  });
});
