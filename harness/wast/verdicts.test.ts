import { describe, expect, it } from 'vitest';
import { watToWasm } from '../../core/wasm/wat.js';
import { validateModule } from '../../core/wasm/validate/validate.js';
import { noteVerdict, verdictOf } from './verdicts.js';

describe('validator verdicts shared by the engines of a script (issue 19)', () => {
  it('answers as validateModule does, and once per module object', async () => {
    const ok = await watToWasm('(module (func (export "f") (result f32) (f32.const 1)))');
    const bad = await watToWasm('(module (func (result i32)))', { validate: false });
    for (const bytes of [ok, bad]) {
      const v = validateModule(bytes, 'dc-float');
      const mine = verdictOf(bytes, 'dc-float');
      expect(mine.ok).toBe(v.ok);
      expect(mine.ok ? [] : mine.violations).toEqual(v.violations);
    }
    // dc refuses the float module: a verdict per profile, never shared between profiles
    expect(verdictOf(ok, 'dc').ok).toBe(false);
    // a recorded verdict is the one returned for that object (and only for that object)
    const copy = ok.slice();
    noteVerdict(ok, 'dc-float', { ok: false, violations: [] });
    expect(verdictOf(ok, 'dc-float').ok).toBe(false);
    expect(verdictOf(copy, 'dc-float').ok).toBe(true);
  });
});
