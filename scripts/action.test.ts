/**
 * The composite action (action.yml) run step by step as a runner would: `${{ }}` expressions and
 * `if:` conditions evaluated, each `run:` under `bash -eo pipefail` in its working directory with
 * the step's env, $GITHUB_OUTPUT read back into `steps.<id>.outputs`, then the action's outputs.
 * Not run here: the `uses:` steps (actions/setup-node, actions/cache: GitHub's) and `npm ci` (this
 * repository is installed already; npm test builds dist/).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { specCorpusForTests } from '../core/wasm/binary/spec-corpus.js';
import { YAML } from 'zx';
import { sealEntry } from '../harness/manifest/build.js';
import { goldenOf } from '../harness/manifest/gate.js';
import { readManifest, writeManifest } from '../harness/manifest/io.js';

const ROOT = resolve(import.meta.dirname, '..');
// The corpus through the one resolver (fetched copy or ../shared; on CI its absence fails).
const corpus = specCorpusForTests();
interface Step {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  'working-directory'?: string;
  with?: Record<string, string>;
}
interface Action {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}
const action = YAML.parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as Action;

type Outputs = Record<string, Record<string, string>>;

/** A GitHub expression over inputs, steps.<id>.outputs, github.action_path, contains() and always(). */
function evaluate(expr: string, inputs: Record<string, string>, steps: Outputs): unknown {
  const js = expr
    .replace(/\binputs\.([\w-]+)/g, (_, k: string) => `I[${JSON.stringify(k)}]`)
    .replace(
      /\bsteps\.([\w-]+)\.outputs\.([\w-]+)/g,
      (_, s: string, k: string) => `(S[${JSON.stringify(s)}]?.[${JSON.stringify(k)}] ?? '')`,
    )
    .replace(/\bgithub\.action_path\b/g, 'G')
    .replace(/\balways\(\)/g, 'true')
    .replace(/\bcontains\(/g, 'C(')
    .replace(/([!=])=/g, '$1==');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- evaluates action.yml's own expressions
  return new Function('I', 'S', 'G', 'C', `return (${js});`)(
    inputs,
    steps,
    ROOT,
    (a: string, b: string) => String(a).includes(b),
  );
}
const substitute = (s: string, i: Record<string, string>, o: Outputs) =>
  s.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, e: string) => String(evaluate(e, i, o) ?? ''));

function runAction(given: Record<string, string>, env: Record<string, string>) {
  const work = mkdtempSync(join(tmpdir(), 'icn-action-ws-'));
  const inputs = Object.fromEntries(
    Object.entries(action.inputs).map(([k, v]) => [k, given[k] ?? String(v.default ?? '')]),
  );
  const steps: Outputs = {};
  const summary = join(work, 'step-summary.md');
  const ran: string[] = [];
  const skipped: string[] = [];
  let stdout = '';
  let failed: { step: string; code: number | null; stderr: string } | undefined;
  for (const [n, step] of action.runs.steps.entries()) {
    const name = step.name ?? step.uses ?? `step ${n}`;
    const cond = step.if ? evaluate(step.if, inputs, steps) : !failed;
    if (!cond || (failed && !step.if?.includes('always()'))) {
      skipped.push(name);
      continue;
    }
    if (step.uses || step.run?.trim() === 'npm ci --no-audit --no-fund') {
      skipped.push(name);
      continue;
    }
    const out = join(work, `output-${n}`);
    writeFileSync(out, '');
    const stepEnv = Object.fromEntries(
      Object.entries(step.env ?? {}).map(([k, v]) => [k, substitute(v, inputs, steps)]),
    );
    const { ICN_SPEC_TESTS: _ignored, ...base } = process.env;
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], {
      cwd: step['working-directory'] ? substitute(step['working-directory'], inputs, steps) : work,
      env: {
        ...base,
        GITHUB_ACTIONS: 'true',
        GITHUB_ACTION_PATH: ROOT,
        GITHUB_OUTPUT: out,
        GITHUB_STEP_SUMMARY: summary,
        GITHUB_WORKSPACE: work,
        ...env,
        ...stepEnv,
      },
      encoding: 'utf8',
    });
    ran.push(name);
    stdout += r.stdout;
    if (step.id)
      steps[step.id] = Object.fromEntries(
        readFileSync(out, 'utf8')
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
    if (r.status !== 0 && !failed) failed = { step: name, code: r.status, stderr: r.stderr };
  }
  const outputs = Object.fromEntries(
    Object.entries(action.outputs).map(([k, v]) => [k, substitute(v.value, inputs, steps)]),
  );
  return {
    work,
    ran,
    skipped,
    outputs,
    stdout,
    failed,
    summary: existsSync(summary) ? readFileSync(summary, 'utf8') : '',
  };
}

describe('action.yml, its steps run as a runner runs them', () => {
  it('is a composite action whose only steps not run here are GitHub actions and npm ci', () => {
    expect(action.runs.using).toBe('composite');
    const notRun = action.runs.steps
      .filter((s) => s.uses || s.run?.trim() === 'npm ci --no-audit --no-fund')
      .map((s) => s.uses ?? s.run);
    expect(notRun).toEqual([
      'actions/setup-node@v4',
      'npm ci --no-audit --no-fund',
      'actions/cache@v4',
    ]);
    expect(Object.keys(action.inputs).sort()).toEqual([
      'golden',
      'node-version',
      'out',
      'shard',
      'spec-tests',
      'suite',
      'tiers',
    ]);
    expect(Object.keys(action.outputs).sort()).toEqual(['lc-root', 'manifest']);
  });

  it('runs a suite, writes the step summary, outputs the LC root and manifest, and gates: pass, then a CHANGED entry annotated', () => {
    const cache = mkdtempSync(join(tmpdir(), 'icn-action-cache-'));
    const a = runAction({ suite: 'vectors', out: 'out' }, { ICN_CACHE_DIR: cache });
    expect(a.failed).toBeUndefined();
    expect(a.ran).toEqual(['Run']); // no wasm-spec in the selection: no corpus steps; no golden: no gate
    const manifest = join(a.work, 'out', 'manifest.json');
    expect(a.outputs.manifest).toBe('out/manifest.json');
    const m = readManifest(manifest).manifest;
    expect(a.outputs['lc-root']).toBe(m.root.lc);
    expect(a.summary).toMatch(/^# icn-harness run: passed/);
    expect(a.summary).toContain('Not selected: nasties, wasm-spec, scenarios (--suite vectors).');

    const golden = join(a.work, 'golden.json');
    writeManifest(golden, goldenOf(m));
    const ok = runAction({ suite: 'vectors', out: 'out', golden }, { ICN_CACHE_DIR: cache });
    expect(ok.failed).toBeUndefined();
    expect(ok.ran).toEqual(['Run', 'Gate on the golden manifest']);
    expect(ok.summary).toMatch(
      /## Gate\n\n```\n[\s\S]*gate passed: all \d+ golden LC entries match/,
    );

    const first = m.entries[0]!;
    const { hash: _h, ...rest } = first;
    const changed = goldenOf({
      ...m,
      entries: [
        sealEntry({ ...rest, outputs: { ...first.outputs, extra: '1' } }),
        ...m.entries.slice(1),
      ],
    });
    writeManifest(golden, changed);
    const bad = runAction({ suite: 'vectors', out: 'out', golden }, { ICN_CACHE_DIR: cache });
    expect(bad.failed).toMatchObject({ step: 'Gate on the golden manifest', code: 1 });
    expect(bad.stdout).toContain(`::error title=icn-harness gate::CHANGED ${first.id}`);
  });

  it.runIf(corpus !== undefined)(
    'with wasm-spec: the corpus key, the (cached) fetch and a shard run on the pinned corpus',
    () => {
      const cache = mkdtempSync(join(tmpdir(), 'icn-action-cache-'));
      // What actions/cache restores on a hit: the installed corpus, here from the local copy.
      const f = spawnSync(
        process.execPath,
        [join(ROOT, 'scripts/spec-tests-fetch.mjs'), ...corpus!.dirs.flatMap((d) => ['--from', d])],
        { env: { ...process.env, ICN_CACHE_DIR: cache }, encoding: 'utf8' },
      );
      expect(f.status).toBe(0);
      const r = runAction(
        { suite: 'wasm-spec', shard: '1/62', out: 'out', golden: 'never-read.json' },
        { ICN_CACHE_DIR: cache },
      );
      expect(r.failed).toBeUndefined();
      expect(r.ran).toEqual([
        'Spec corpus key',
        'Fetch the spec corpus (verified against its pin)',
        'Run',
      ]); // a shard is not gated
      expect(r.stdout).toMatch(
        /spec-tests:fetch: WebAssembly\/testsuite@193e551 already installed and verified/,
      );
      const m = JSON.parse(readFileSync(join(r.work, r.outputs.manifest!), 'utf8'));
      expect(m.corpus.commit).toBe('193e551ff22663995b1ac95dc62344133669e14b');
      expect(m.run.shard).toMatchObject({ index: 1, count: 62, selected: 496 });
      expect(m.entries.length).toBe(8);
    },
  );
});
