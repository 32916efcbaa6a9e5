/**
 * The fast path against the reference on a real module that an npm package ships (sql.js's
 * SQLite build, 670 KiB): the same violations, words, offsets and facts under every profile.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { unreadBody } from '../binary/decode.js';
import { validateDetailed, validateEager } from './validate.js';

const SQL = 'node_modules/sql.js/dist/sql-wasm.wasm';

describe.skipIf(!existsSync(SQL))('validator on sql.js (a real 670 KiB module)', () => {
  const bytes = new Uint8Array(existsSync(SQL) ? readFileSync(SQL) : []);
  it.each(['raw', 'dc', 'dc-float'] as const)('%s: fast path = reference', (p) => {
    const fast = validateDetailed(bytes, p);
    const ref = validateEager(bytes, p);
    expect(fast.violations).toEqual(ref.violations);
    expect(fast.funcs).toEqual(ref.funcs);
    expect(fast.ok).toBe(p === 'raw');
    if (p === 'raw')
      expect(fast.module!.codes.every((c) => unreadBody(c) !== undefined)).toBe(true);
  });
});
