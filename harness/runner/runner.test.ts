/**
 * The run loop as users drive it (the built CLI in child processes): parallel and sharded runs give
 * the unsharded LC root, the self-determinism checks fire on planted nondeterminism and stay quiet
 * otherwise, known failures are never passes, tiers are recorded.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const BIN = resolve(import.meta.dirname, '../../bin/icn-harness.js');
const FLAKY = resolve(import.meta.dirname, 'fixtures/flaky-suite.mjs');
let dir: string;

// Runs are limited to the foundation vectors and the fixture, so the test's time does not grow
// with every suite added to the registry.
const SEL = [
  '--suite',
  'vectors,flaky',
  '--filter',
  'vectors/jcs',
  '--filter',
  'vectors/icn',
  '--filter',
  'flaky',
];

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: { ...process.env, CI: 'true', ICN_HARNESS_EXTRA_SUITES: FLAKY, ...env },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const manifest = (p: string) => JSON.parse(readFileSync(join(dir, p), 'utf8'));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'icn-runner-'));
});

describe('parallel and sharded runs give one LC root', () => {
  it('--jobs 1, --jobs 2, and --shard 1/2 + 2/2 + merge (and 3 shards) agree', () => {
    expect(cli(['run', ...SEL, '--out', 'j1.json']).code).toBe(0);
    expect(cli(['run', ...SEL, '--jobs', '2', '--out', 'j2.json']).code).toBe(0);
    expect(cli(['run', ...SEL, '--shard', '1/2', '--out', 's1.json']).code).toBe(0);
    expect(cli(['run', ...SEL, '--shard', '2/2', '--out', 's2.json']).code).toBe(0);
    const m = cli(['merge', 's2.json', 's1.json', '--out', 'merged.json']);
    expect(m.code, m.err).toBe(0);
    for (const i of [1, 2, 3])
      expect(
        cli(['run', ...SEL, '--jobs', '2', '--shard', `${i}/3`, '--out', `t${i}.json`]).code,
      ).toBe(0);
    expect(cli(['merge', 't1.json', 't2.json', 't3.json', '--out', 'merged3.json']).code).toBe(0);
    const root = manifest('j1.json').root.lc;
    expect(
      manifest('j1.json').entries.some((e: { id: string }) => e.id === 'flaky/traced::sim'),
    ).toBe(true);
    expect(manifest('j2.json').root.lc).toBe(root);
    expect(manifest('merged.json').root.lc).toBe(root);
    expect(manifest('merged3.json').root.lc).toBe(root);
    expect(manifest('merged.json').entries).toEqual(manifest('j1.json').entries);
    // Shards are disjoint, non-empty and not the whole run.
    const s1 = manifest('s1.json');
    const s2 = manifest('s2.json');
    expect(s1.root.lc).not.toBe(root);
    expect(s1.entries.length + s2.entries.length).toBe(manifest('j1.json').entries.length);
    expect(s1.run.shard).toMatchObject({
      index: 1,
      count: 2,
      selected: manifest('j1.json').entries.length,
    });
    expect(cli(['diff', 'j1.json', 'j2.json', 'merged.json']).code).toBe(0);
  });

  it('merge refuses a missing, doubled or foreign shard', () => {
    expect(cli(['merge', 's1.json', '--out', 'x.json']).err).toMatch(/missing shard 2\/2/);
    expect(cli(['merge', 's1.json', 's1.json', '--out', 'x.json']).err).toMatch(
      /shard 1\/2 given twice/,
    );
    expect(cli(['merge', 's1.json', 't2.json', '--out', 'x.json']).err).toMatch(
      /does not belong with/,
    );
    expect(cli(['merge', 'j1.json', '--out', 'x.json']).err).toMatch(/not a shard manifest/);
    expect(cli(['merge', 's1.json', '--out', 'x.json']).code).toBe(2);
    expect(existsSync(join(dir, 'x.json'))).toBe(false);
  });

  it('--list prints the shard without running', () => {
    const all = cli(['run', ...SEL, '--list'])
      .out.trim()
      .split('\n');
    const a = cli(['run', ...SEL, '--list', '--shard', '1/2'])
      .out.trim()
      .split('\n');
    const b = cli(['run', ...SEL, '--list', '--shard', '2/2'])
      .out.trim()
      .split('\n');
    expect([...a, ...b].sort()).toEqual([...all].sort());
    expect(a.filter((x) => b.includes(x))).toEqual([]);
  });
});

describe('self-determinism', () => {
  it('--check-determinism stops at the first differing entry and trace step of a TZ leak', () => {
    const r = cli(['run', '--suite', 'flaky', '--check-determinism', '--out', 'tz.json'], {
      FLAKY_MODE: 'tz',
    });
    expect(r.code).toBe(1);
    expect(r.out).toContain('NOT DETERMINISTIC: run 2 differs from run 1 at flaky/traced::sim');
    expect(r.out).toContain('last common step 500, first differing step 600');
    expect(manifest('tz.json').determinism).toMatchObject({
      mode: 'perturbed',
      runs: 2,
      divergence: {
        id: 'flaky/traced::sim',
        lastCommonStep: 500,
        firstDifferingStep: 600,
        fields: ['trace.root', 'outputs.final'],
      },
    });
  });

  it('--repeat catches state carried between runs in one process', () => {
    const r = cli(['run', '--suite', 'flaky', '--repeat', '3'], { FLAKY_MODE: 'leak' });
    expect(r.code).toBe(1);
    expect(r.out).toContain('run 2 differs from run 1 at flaky/leak::counter in outputs.counter');
  });

  it('a deterministic selection passes both checks', () => {
    const r = cli(['run', ...SEL, '--repeat', '2', '--check-determinism', '--jobs', '2']);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/deterministic: 3 runs agree on all \d+ entries/);
  });
});

describe('known failures', () => {
  const list = (platform?: Record<string, string[]>) =>
    JSON.stringify({
      format: 'icn-known-failures/v1',
      failures: [
        {
          id: 'flaky/adv',
          reason: 'the fixture fails on purpose',
          ...(platform ? { platform } : {}),
        },
      ],
    });

  it('a listed failure is xfail (exit 0), never a pass; a listed pass is xpass (exit 1)', () => {
    writeFileSync(join(dir, 'kf.json'), list({ arch: [process.arch] }));
    const x = cli(['run', '--suite', 'flaky', '--known-failures', 'kf.json', '--out', 'kf-out'], {
      FLAKY_MODE: 'advfail',
    });
    expect(x.code, x.err).toBe(0);
    const e = manifest('kf-out/manifest.json').entries.find(
      (v: { id: string }) => v.id === 'flaky/adv::float',
    );
    expect(e.status).toBe('xfail');
    expect(e.reason).toBe(
      'known failure: the fixture fails on purpose (observed: expected 0x7fc00000, got 0x7fc00001)',
    );
    expect(readFileSync(join(dir, 'kf-out/junit.xml'), 'utf8')).toMatch(
      /<testcase classname="flaky" name="adv::float"[^>]*>\s*<skipped message="xfail/,
    );
    const p = cli(['run', '--suite', 'flaky', '--known-failures', 'kf.json']);
    expect(p.code).toBe(1);
    expect(p.err).toContain('XPASS flaky/adv::float');
  });

  it('is scoped by platform: another arch leaves the failure a failure', () => {
    writeFileSync(join(dir, 'kf2.json'), list({ arch: ['riscv64'], tier: ['*'] }));
    const r = cli(['run', '--suite', 'flaky', '--known-failures', 'kf2.json'], {
      FLAKY_MODE: 'advfail',
    });
    expect(r.code).toBe(1);
    expect(r.err).toContain('FAIL flaky/adv::float');
  });

  it('rejects a list entry without a reason, with the place', () => {
    writeFileSync(
      join(dir, 'kf3.json'),
      JSON.stringify({
        format: 'icn-known-failures/v1',
        failures: [{ id: 'flaky/stable', reason: '' }],
      }),
    );
    const r = cli(['run', '--suite', 'flaky', '--known-failures', 'kf3.json']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /kf3\.json: \$\.failures\[0\]\.reason: every known failure needs a reason/,
    );
  });

  it('refuses a list that names an LC case (exit 2, one line): LC entries have no known failures', () => {
    writeFileSync(
      join(dir, 'kf4.json'),
      JSON.stringify({
        format: 'icn-known-failures/v1',
        failures: [
          { id: 'flaky/adv', reason: 'advisory: may be listed' },
          {
            id: 'flaky/stable',
            platform: { arch: ['riscv64'] },
            reason: 'an LC case, even scoped away',
          },
        ],
      }),
    );
    const r = cli(['run', '--suite', 'flaky', '--known-failures', 'kf4.json'], {
      FLAKY_MODE: 'fail',
    });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /^icn-harness run: error: kf4\.json: \$\.failures\[1\]\.id: "flaky\/stable" matches the LC case flaky\/stable::one: LC entries have no known failures; only advisory cases may be listed\n$/,
    );
  });
});

describe('harness faults in workers', () => {
  it('a hung case times out and a dying worker is replaced: both are errors (exit 3), the rest runs', () => {
    const r = cli(
      ['run', '--suite', 'flaky', '--jobs', '2', '--timeout', '3', '--out', 'faults.json'],
      { FLAKY_MODE: 'hang,crash' },
    );
    expect(r.code).toBe(3);
    const byId = Object.fromEntries(
      manifest('faults.json').entries.map((e: { id: string; status: string; reason?: string }) => [
        e.id,
        e,
      ]),
    );
    expect(byId['flaky/stable::one']).toMatchObject({
      status: 'error',
      reason: 'harness fault: timed out after 3000 ms (worker killed)',
    });
    expect(byId['flaky/leak::counter']).toMatchObject({
      status: 'error',
      reason: 'harness fault: worker exited (code 7) while running this case',
    });
    expect(byId['flaky/traced::sim'].status).toBe('pass');
    expect(byId['flaky/adv::float'].status).toBe('pass');
  });
});

describe('tiers', () => {
  it('runs each tier in child processes with its V8 flags and records them', () => {
    const r = cli([
      'run',
      '--suite',
      'flaky',
      '--tiers',
      'default,liftoff,turbofan',
      '--out',
      'tiers',
    ]);
    expect(r.code, r.err).toBe(0);
    const m = manifest('tiers/manifest.json');
    expect(m.tiers.map((t: { tier: string; v8Flags: string[] }) => [t.tier, t.v8Flags])).toEqual([
      ['liftoff', ['--liftoff-only']],
      ['turbofan', ['--no-liftoff']],
    ]);
    expect(manifest('tiers/tiers/liftoff.json').platform.tier).toBe('liftoff');
    expect(manifest('tiers/tiers/turbofan.json').root.lc).toBe(m.root.lc);
    expect(cli(['run', ...SEL, '--tiers', 'interpreter']).err).toMatch(
      /unknown tier "interpreter"/,
    );
  });
});
