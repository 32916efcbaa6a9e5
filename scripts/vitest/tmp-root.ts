/**
 * vitest global setup: every temporary file and directory the tests make (mkdtemp under
 * os.tmpdir(), daemons' data directories, the tests' module cache) goes under one directory per
 * test run, removed when the run ends, so `npm test` leaves nothing behind in the system's /tmp
 * (a few hundred directories per run before). ICN_KEEP_TEST_TMP=1 keeps it to inspect a failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'icn-test-run-'));
  // Read by os.tmpdir() in the test workers (forked after this runs) and in the children they start.
  process.env.TMPDIR = root;
  // check/exec run by tests use a module cache of their own, never the user's (docs/cli.md).
  // Through XDG_CACHE_HOME, not ICN_CACHE_DIR: that one also moves the fetched spec corpus
  // (.cache/spec-tests), which the tests must find where spec-tests:fetch put it.
  process.env.XDG_CACHE_HOME = join(root, 'cache');
  return () => {
    if (process.env.ICN_KEEP_TEST_TMP === '1') console.log(`test temporaries kept in ${root}`);
    else rmSync(root, { recursive: true, force: true });
  };
}
