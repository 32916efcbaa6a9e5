/**
 * The containers backend without an engine (the run itself is `npm run scenarios:containers`, it
 * needs podman or Docker): unavailable is reported, never a pass; the image tag follows its inputs;
 * per-node gossip settings mirror the simulator's.
 */
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadScenario } from '../suites/scenarios/load.js';
import { runBackend } from './command.js';
import { imageInputsHash, runContainersScenario } from './containers.js';
import { gossipConfigFor } from './driver.js';
import { CONTAINERS_BOUNDED_PLAN, ISOLATE_REJOIN_3, PROCESS_PLAN } from './plans.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const saved = process.env.DOCKER_HOST;
afterEach(() => {
  if (saved === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = saved;
});

describe('containers backend', () => {
  it('no engine: BACKEND_UNAVAILABLE with the reason, before the simulator or any image work', async () => {
    process.env.DOCKER_HOST = 'unix:///nonexistent/icn-test.sock';
    const t0 = Date.now();
    await expect(
      runContainersScenario(ISOLATE_REJOIN_3, { seed: 1n, repoRoot }),
    ).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message: expect.stringMatching(
        /no container engine reachable \(DOCKER_HOST=unix:\/\/\/nonexistent\/icn-test\.sock\).*containers:setup/,
      ),
    });
    const lines: string[] = [];
    const code = await runBackend('containers', {
      def: ISOLATE_REJOIN_3,
      repoRoot,
      seeds: [1n],
      out: (l) => lines.push(l),
      progress: () => {},
    });
    expect(code).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^unavailable: no container engine reachable/);
    expect(Date.now() - t0).toBeLessThan(60_000); // bounded, not a hang (a wide bound: no timing claim)
  });

  it('the image tag is a hash of its inputs: stable, and another base image gives another tag', () => {
    const a = imageInputsHash(repoRoot, 'localhost/icn-base:node20');
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(imageInputsHash(repoRoot, 'localhost/icn-base:node20')).toBe(a);
    expect(imageInputsHash(repoRoot, 'node:20.20.2-bookworm-slim')).not.toBe(a);
  });

  it('gossip settings per node as the simulator builds them (a flooder ignores its own limits)', () => {
    const flood = loadScenario(repoRoot, 'deploy-flood');
    const n = flood.nodes;
    const cfg = JSON.parse(gossipConfigFor(flood, 4, n)!) as {
      topics: Record<string, { perAuthorPerWindow: number }>;
    };
    expect(Object.values(cfg.topics).map((t) => t.perAuthorPerWindow)).toEqual([0, 0, 0, 0]);
    expect(gossipConfigFor(flood, 0, n)).toBeUndefined();
    expect(gossipConfigFor(ISOLATE_REJOIN_3, 0, 3)).toBeUndefined();
  });

  it('every plan entry names a scenario that loads (or is a definition) and says why it is there', () => {
    for (const e of [...PROCESS_PLAN, ...CONTAINERS_BOUNDED_PLAN]) {
      if (typeof e.scenario === 'string')
        expect(loadScenario(repoRoot, e.scenario).name).toBe(e.scenario);
      expect(e.why.length).toBeGreaterThan(10);
    }
  });
});
