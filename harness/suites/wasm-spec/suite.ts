/**
 * The `wasm-spec` suite: every official spec script × every .wast engine (harness/wast/engine.ts).
 * Entry ids: `wasm-spec/<script>::<engine>`. Outputs: the pass/fail/skip counts and a hash over the
 * per-command outcomes (line, command, status, engine-neutral actual outcome).
 *
 * Class: `raw` is advisory (V8 as is: NaN bits and relaxed SIMD differ by CPU and tier, on purpose);
 * every other engine is deterministic by design, so its outcomes are LC and must match bit for bit
 * across architectures, Node versions and tiers.
 *
 * Spec directories: the run's --spec-tests, else $ICN_SPEC_TESTS (either may list several, `:`
 * separated), else ../shared/spec-tests beside the repository when it exists; with none, the suite
 * has no cases.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, delimiter, resolve } from 'node:path';
import { IcnError } from '../../../core/errors.js';
import { contentHash, DOMAIN } from '../../../core/hash/index.js';
import { ENGINES } from '../../wast/engine.js';
import { runScript, wastFiles } from '../../wast/runner.js';
import type { CaseOutcome, CaseSpec, Suite, SuiteContext } from '../types.js';

/**
 * The spec directories: --spec-tests / $ICN_SPEC_TESTS may list several, separated by the path
 * delimiter (`:`; e.g. `../shared/spec-tests:../shared/spec-tests-next`); script names must not
 * repeat across them (entry ids name the script, not its directory).
 */
export function specDirs(ctx: SuiteContext): string[] {
  const given = ctx.specTestsDir ?? process.env.ICN_SPEC_TESTS;
  if (given) return given.split(delimiter).filter((d) => d !== '').map((d) => resolve(d));
  const d = resolve(ctx.repoRoot, '..', 'shared', 'spec-tests');
  return existsSync(d) && statSync(d).isDirectory() ? [d] : [];
}

/** The first spec directory (kept for callers that want one). */
export function specDir(ctx: SuiteContext): string | undefined {
  return specDirs(ctx)[0];
}

/** Every script of the spec directories by stem; a stem in two directories is bad input. */
function scriptsByStem(dirs: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of dirs) {
    for (const f of wastFiles(dir)) {
      const prev = out.get(stem(f));
      if (prev) throw new IcnError('USAGE_SPEC_TESTS', `spec script ${basename(f)} is in two spec directories (${prev} and ${f}): entry ids would collide`);
      out.set(stem(f), f);
    }
  }
  return out;
}

const stem = (f: string): string => basename(f).replace(/\.wast$/, '');

export function createWasmSpecSuite(): Suite {
  return {
    name: 'wasm-spec',
    description: 'Official WebAssembly spec scripts on every wasm engine (raw advisory; dc, dc-float and the interpreter LC)',
    async list(ctx): Promise<CaseSpec[]> {
      const out: CaseSpec[] = [];
      for (const f of scriptsByStem(specDirs(ctx)).values()) {
        for (const engine of Object.keys(ENGINES)) {
          out.push({ id: `wasm-spec/${stem(f)}::${engine}`, suite: 'wasm-spec', class: engine === 'raw' ? 'advisory' : 'lc', tags: ['wasm', 'spec', `engine:${engine}`] });
        }
      }
      return out;
    },
    async run(spec, ctx): Promise<CaseOutcome> {
      const m = /^wasm-spec\/(.+)::([a-z0-9-]+)$/.exec(spec.id);
      const file = m ? scriptsByStem(specDirs(ctx)).get(m[1]!) : undefined;
      if (!m || !file) throw new IcnError('CASE_UNKNOWN', `no wasm-spec case ${spec.id}`);
      const engine = m[2]!;
      const inputs = contentHash(DOMAIN.manifestInputs, { suite: 'wasm-spec', script: basename(file), engine, text: readFileSync(file, 'utf8') });
      const r = await runScript(file, engine);
      const out: CaseOutcome = {
        inputs,
        outputs: { passed: String(r.passed), failed: String(r.failed), skipped: String(r.skipped), outcomes: r.outcomesHash },
        status: r.failed > 0 ? 'fail' : 'pass',
        reproduce: `icn-harness wast ${file} --engine ${engine}`,
      };
      if (r.failed > 0) {
        const first = r.results.filter((x) => x.status === 'fail').slice(0, 3);
        out.reason = `${r.failed} failed: ${first.map((x) => `line ${x.line} ${x.cmd}: ${x.reason ?? x.actual}`).join('; ')}`.slice(0, 500);
      }
      return out;
    },
  };
}
