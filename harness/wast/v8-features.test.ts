import { describe, expect, it } from 'vitest';
import { decodeModule } from '../../core/wasm/binary/decode.js';
import { V8_FEATURES } from './v8-features.js';

describe('V8 feature probes', () => {
  // a malformed probe "fails" on every V8 and would add a flag that Node 22 rejects ("bad option")
  for (const f of V8_FEATURES) {
    it(`the ${f.name} probe is a well-formed module that uses the feature`, () => {
      const m = decodeModule(f.probe);
      expect(f.uses(m)).toBe(true);
    });
  }
});
