/** The contract vector kinds pass on the pinned files and demonstrably fail when any expectation is wrong. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cclExecKind, cclValidateKind, legacyCodeHashKind } from './kinds-contracts.js';
import type { VectorCase, VectorKind } from './format.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const load = (p: string): VectorCase[] => JSON.parse(readFileSync(join(ROOT, p), 'utf8')).cases;

async function allPass(kind: VectorKind, cases: VectorCase[]) {
  for (const c of cases) {
    const v = await kind.check(c, 'x');
    expect(v.ok, `${c.name}: ${v.reason}`).toBe(true);
  }
}

describe('contract vector kinds', () => {
  it('every pinned case passes', async () => {
    await allPass(cclExecKind, load('vectors/ccl/examples.json'));
    await allPass(cclValidateKind, load('vectors/ccl/validate.json'));
    await allPass(legacyCodeHashKind, load('vectors/icn/legacy-code-hash.json'));
  });

  it('a wrong expectation of any field fails with a reason (the checks fire)', async () => {
    const [add] = load('vectors/ccl/examples.json');
    const expectations = add!.expect as Record<string, unknown>;
    for (const field of Object.keys(expectations)) {
      const bad = { ...add!, expect: { ...expectations, [field]: field === 'value' ? { Int: '9' } : 'wrong' } } as VectorCase;
      const v = await cclExecKind.check(bad, 'x');
      expect(v.ok, field).toBe(false);
      expect(v.reason).toContain(field);
    }
    // a different timestamp is a different receipt
    const later = await cclExecKind.check({ ...add!, timestamp: '1700000000999' } as VectorCase, 'x');
    expect(later.ok).toBe(false);
    expect(later.reason).toContain('receiptHash');
    const legacy = load('vectors/icn/legacy-code-hash.json')[2]!;
    expect((await legacyCodeHashKind.check({ ...legacy, participants: [] } as VectorCase, 'x')).ok).toBe(false);
    const val = load('vectors/ccl/validate.json').find((c) => c.name === 'empty-name')!;
    expect((await cclValidateKind.check({ ...val, expect: { error: 'CCL_INVALID@$.participants' } } as VectorCase, 'x')).ok).toBe(false);
  });
});
