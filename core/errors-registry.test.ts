import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const CORE = new URL('.', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

describe('the error-code registry (core/errors.ts)', () => {
  // A module's codes join IcnErrorCode by declaration merging, which only a program that includes
  // the module sees: a partial build (the container image compiles the daemon's import closure)
  // failed to type-check when core/errors.ts did not pull every registering module in.
  it('imports every core module that registers codes, so every build sees all of them', () => {
    const registry = readFileSync(join(CORE, 'errors.ts'), 'utf8');
    const registering = sources(CORE)
      .filter(
        (f) =>
          !f.endsWith(`${CORE}errors.ts`) &&
          /interface ErrorCodes \{/.test(readFileSync(f, 'utf8')),
      )
      .map((f) => `./${relative(CORE, f).replace(/\.ts$/, '.js')}`);
    expect(registering.length).toBeGreaterThan(10);
    const lines = new Set(registry.split('\n'));
    const missing = registering.filter((m) => !lines.has(`import type {} from '${m}';`));
    expect(missing).toEqual([]);
  });
});
