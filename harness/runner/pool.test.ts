/**
 * The worker pool's batch rule (needs dist/: `npm run build`): every case of a batch runs in the
 * worker that took its first case (the nasties' tier children start once per run), free cases go
 * to whichever worker is free, and a run still yields every entry.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPool } from './pool.js';
import type { CaseSpec } from '../suites/types.js';
import { createNastiesSuite, NASTIES_TIER_BATCH } from '../suites/nasties/suite.js';
import type { ManifestEntry } from '../manifest/types.js';
import type { Suite } from '../suites/types.js';
import { runCase } from './exec.js';

const FIXTURE = resolve(import.meta.dirname, 'fixtures/batch-suite.mjs');
const FLAKY = resolve(import.meta.dirname, 'fixtures/flaky-suite.mjs');
const context = { repoRoot: resolve(import.meta.dirname, '../..'), seed: 0n, tiers: ['default'] };

async function cases(): Promise<CaseSpec[]> {
  const mod = (await import(FIXTURE)) as { createSuite(): { list(): Promise<CaseSpec[]> } };
  return mod.createSuite().list();
}

describe('runPool batches', () => {
  it('runs every case of a batch in one worker while another worker takes the free cases', async () => {
    const all = await cases();
    const r = await runPool({
      cases: all,
      jobs: 2,
      launch: { execArgv: [], env: { ...process.env, ICN_HARNESS_EXTRA_SUITES: FIXTURE } },
      context,
      timeoutMs: 60_000,
    });
    expect([...r.entries.keys()].sort()).toEqual(all.map((c) => c.id).sort());
    const pid = (id: string) => r.entries.get(id)!.entry.outputs.pid;
    expect(r.entries.get('batch/b1')!.entry.status).toBe('pass');
    const batchPids = new Set(['b1', 'b2', 'b3', 'b4'].map((n) => pid(`batch/${n}`)));
    expect(batchPids.size).toBe(1);
    // two workers ran: the free cases did not all wait behind the batch
    expect(new Set(all.map((c) => pid(c.id))).size).toBe(2);
  }, 60_000);

  it('puts every tier-child case of the nasties in one batch (and nothing else)', async () => {
    const listed = await createNastiesSuite().list(context);
    const wasm = listed.filter((c) => !c.id.includes('iteration_order'));
    expect(wasm.length).toBeGreaterThan(10);
    expect(wasm.every((c) => c.batch === NASTIES_TIER_BATCH)).toBe(true);
    expect(
      listed.filter((c) => c.id.includes('iteration_order')).every((c) => c.batch === undefined),
    ).toBe(true);
  });
});

describe('runPool with this process as a worker', () => {
  it('a forked worker that dies yields an error for its case, its queued cases go to a replacement', async () => {
    const flaky = (await import(FLAKY)) as { createSuite(): Suite };
    const suite = flaky.createSuite();
    const all = await suite.list(context);
    let forkEntries = 0;
    let forksDone: () => void = () => {};
    const forkCasesDone = new Promise<void>((r) => (forksDone = r));
    const ranHere: string[] = [];
    const r = await runPool({
      cases: all,
      jobs: 2,
      // only the forks crash (FLAKY_MODE is not set in this process)
      launch: {
        execArgv: [],
        env: { ...process.env, ICN_HARNESS_EXTRA_SUITES: FLAKY, FLAKY_MODE: 'crash' },
      },
      context,
      timeoutMs: 60_000,
      onEntry: () => {
        if (++forkEntries === all.length - 1) forksDone();
      },
      // this process takes the first case, then holds it until the forks have answered the rest
      local: async (spec): Promise<ManifestEntry> => {
        ranHere.push(spec.id);
        await forkCasesDone;
        return runCase(suite, spec, context);
      },
    });
    expect(ranHere).toEqual(['flaky/stable::one']);
    const status = Object.fromEntries([...r.entries].map(([id, { entry }]) => [id, entry.status]));
    expect(status).toEqual({
      'flaky/stable::one': 'pass',
      'flaky/traced::sim': 'pass',
      'flaky/leak::counter': 'error',
      // queued behind the crash in the dead worker: run by its replacement
      'flaky/adv::float': 'pass',
    });
    expect(r.entries.get('flaky/leak::counter')!.entry.reason).toBe(
      'harness fault: worker exited (code 7) while running this case',
    );
  }, 60_000);
});
