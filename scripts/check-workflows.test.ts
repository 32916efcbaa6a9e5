/**
 * The workflow check (scripts/check-workflows.mjs) in npm test: the repository's workflows and
 * action.yml call only verbs, flags, npm scripts and files that exist; a renamed one is named.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = resolve(import.meta.dirname, 'check-workflows.mjs');
const ROOT = resolve(import.meta.dirname, '..');
const check = (...files: string[]) =>
  spawnSync(process.execPath, [SCRIPT, ...files], { cwd: ROOT, encoding: 'utf8' });

const BROKEN = `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: npm run nope
      - run: node bin/icn-harness.js run --shards 1/2 --out out/x
      - run: node bin/icn-harness.js frobnicate
      - run: node bin/icn-harness.js gate --golden vectors/golden/missing.json --manifest out/x/manifest.json
      - run: npm run xarch -- --versionz 20.20.2
      - run: npm run conformance -- --tierz x
      - run: node scripts/spec-tests-fetch.mjs --kee >> "$GITHUB_OUTPUT"
      - run: node scripts/gone.mjs
      - run: node "$GITHUB_ACTION_PATH/bin/icn-harness.js" run \${SHARD:+--shrd "$SHARD"}
      - uses: actions/cache@v4
        with:
          path: x
          key: k-\${{ hashFiles('vectors/wasm-spec/corpuz.json') }}
      - run: npm test && npm run spec-tests:fetch -- --from ../mirror && node bin/icn-harness.js merge a.json --out out/m
`;

describe('workflow check', () => {
  it('the workflows and action.yml call only what exists', () => {
    const r = check();
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^workflow check: [4-9] files, 0 problems\n$/);
    expect(r.status).toBe(0);
  });

  it('names every renamed verb, flag, npm script and file, with its line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'icn-wfcheck-'));
    writeFileSync(join(dir, 'broken.yml'), BROKEN);
    const r = check(join(dir, 'broken.yml'));
    expect(r.status).toBe(1);
    const lines = r.stderr
      .trim()
      .split('\n')
      .map((l) => l.replace(`${join(dir, 'broken.yml')}:`, ''));
    expect(lines).toEqual([
      '6: npm run nope: no such script in package.json',
      '7: icn-harness run has no option --shards',
      expect.stringMatching(/^8: icn-harness has no verb "frobnicate" \(verbs: run, list, /),
      '9: vectors/golden/missing.json: no such file in this repository',
      '10: npm run xarch -- --versionz: scripts/xarch.mjs takes no --versionz',
      '11: npm run conformance -- --tierz: icn-harness run takes no --tierz',
      '12: scripts/spec-tests-fetch.mjs documents no option --kee',
      '13: scripts/gone.mjs: no such file in this repository',
      '14: icn-harness run has no option --shrd',
      "18: hashFiles('vectors/wasm-spec/corpuz.json'): no such file in this repository",
    ]);
  });
});
