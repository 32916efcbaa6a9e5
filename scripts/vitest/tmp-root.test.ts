import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('test temporaries', () => {
  it('go under the run directory that the global setup removes', () => {
    const made = mkdtempSync(join(tmpdir(), 'icn-probe-'));
    expect(basename(dirname(made))).toMatch(/^icn-test-run-/);
    expect(process.env.XDG_CACHE_HOME).toBe(join(dirname(made), 'cache'));
  });
});
