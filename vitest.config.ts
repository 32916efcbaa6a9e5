import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './scripts/vitest/slow-first.js';

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'harness/**/*.test.ts', 'scripts/**/*.test.ts'],
    // Worker threads share one V8 isolate group: forks keep V8 flags and stack limits per file.
    pool: 'forks',
    // One fork per worker reused across files instead of one per file: 120 files paid ~0.4 s each
    // to start a process and import vitest and the core again (77 short files: 33 s -> 24 s, all
    // 1,212 tests pass). The tests restore what they change in process.env and stdout spies,
    // metrics use their own registries, and daemons and children are closed in afterAll.
    isolate: false,
    // vitest's default is one file at a time on 2 cores (cores - 1); most of our slow files wait
    // on child processes (the CLI, daemons), so two files at a time keep both cores busy
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // the longest files first, also on a clean clone where vitest has no durations cached yet
    sequence: { sequencer: SlowFirstSequencer },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // One temporary directory per run, removed at the end (TMPDIR and XDG_CACHE_HOME set there).
    globalSetup: ['scripts/vitest/tmp-root.ts'],
  },
});
