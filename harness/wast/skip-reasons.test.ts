/** How the .wast runner names a skip: a profile rule, a feature outside every profile, or none (a real rejection). */
import { describe, expect, it } from 'vitest';
import { classifyRejection } from './skip-reasons.js';

describe('classifyRejection', () => {
  it('profile rules alone are a profile-rule skip, also for a module asserted invalid', () => {
    expect(classifyRejection(['profile_float', 'profile_float'], false)).toMatchObject({
      named: 'profile rule profile_float',
    });
    expect(classifyRejection(['profile_import'], true)).toMatchObject({
      named: 'profile rule profile_import',
    });
  });
  it('a feature read from the binary names the skip alone, never for a module asserted invalid', () => {
    expect(
      classifyRejection(
        ['multiple_memories', 'unknown_memory', 'constant_expression_required'],
        false,
        ['multi-memory'],
      ),
    ).toMatchObject({ named: 'multi-memory: outside every ICN profile' });
    expect(classifyRejection(['multiple_memories'], true, ['multi-memory'])).toBeUndefined();
  });
  it('a real validation error is no skip', () => {
    expect(classifyRejection(['type_mismatch'], false)).toBeUndefined();
    expect(classifyRejection(['type_mismatch', 'multiple_memories'], false)).toBeUndefined();
  });
});
