import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
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
    // check/exec run by tests use a module cache of their own, never the user's (docs/cli.md).
    // Through XDG_CACHE_HOME, not ICN_CACHE_DIR: that one also moves the fetched spec corpus
    // (.cache/spec-tests), which the tests must find where spec-tests:fetch put it.
    env: { XDG_CACHE_HOME: join(tmpdir(), `icn-harness-test-cache-${process.pid}`) },
  },
});
