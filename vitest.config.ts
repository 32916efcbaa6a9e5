import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'harness/**/*.test.ts', 'scripts/**/*.test.ts'],
    // Worker threads share one V8 isolate group: forks keep V8 flags and stack limits per file.
    pool: 'forks',
    // vitest's default is one file at a time on 2 cores (cores - 1); most of our slow files wait
    // on child processes (the CLI, daemons), so two files at a time keep both cores busy
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // One temporary directory per run, removed at the end (TMPDIR and XDG_CACHE_HOME set there).
    globalSetup: ['scripts/vitest/tmp-root.ts'],
  },
});
