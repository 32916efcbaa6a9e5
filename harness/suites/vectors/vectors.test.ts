/** Every vector file under vectors/ passes through the same checkers the `vectors` suite runs. */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createVectorsSuite } from './suite.js';

const ctx = { repoRoot: resolve(import.meta.dirname, '../../..'), seed: 0n, tiers: ['default'] };

describe('vectors', async () => {
  const suite = createVectorsSuite();
  const cases = await suite.list(ctx);
  it('finds the foundation vectors', () => {
    const ids = cases.map((c) => c.id);
    for (const prefix of ['vectors/jcs/rfc8785::', 'vectors/ed25519/rfc8032::', 'vectors/icn/did::', 'vectors/hash/domain-hashes::']) {
      expect(ids.some((id) => id.startsWith(prefix)), prefix).toBe(true);
    }
    // external suites pinned whole: every Wycheproof Ed25519 case, every RFC 8032 §7.1 test
    expect(ids.filter((id) => id.startsWith('vectors/ed25519/wycheproof::'))).toHaveLength(151);
    expect(ids.filter((id) => id.startsWith('vectors/ed25519/rfc8032::'))).toHaveLength(5);
  });
  it.each(cases.map((c) => [c.id, c] as const))('%s', async (_id, spec) => {
    const o = await suite.run(spec, ctx);
    expect(o.reason ?? '').toBe('');
    expect(o.status).toBe('pass');
  });
});
