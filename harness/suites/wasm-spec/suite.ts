/**
 * The `wasm-spec` suite: every official spec script × every .wast engine (harness/wast/engine.ts).
 * Entry ids: `wasm-spec/<script>::<engine>`. Outputs: the pass/fail/skip counts and a hash over the
 * per-command outcomes (line, command, status, engine-neutral actual outcome).
 *
 * Class: `raw` is advisory (V8 as is: NaN bits and relaxed SIMD differ by CPU and tier, on purpose);
 * every other engine is deterministic by design, so its outcomes are LC and must match bit for bit
 * across architectures, Node versions and tiers.
 *
 * Spec directory: the run's --spec-tests, else $ICN_SPEC_TESTS, else ../shared/spec-tests beside
 * the repository when it exists; with none, the suite has no cases.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { IcnError } from '../../../core/errors.js';
import { contentHash, DOMAIN } from '../../../core/hash/index.js';
import { ENGINES } from '../../wast/engine.js';
import { runScript, wastFiles } from '../../wast/runner.js';
import type { CaseOutcome, CaseSpec, Suite, SuiteContext } from '../types.js';

export function specDir(ctx: SuiteContext): string | undefined {
  const given = ctx.specTestsDir ?? process.env.ICN_SPEC_TESTS;
  if (given) return resolve(given);
  const d = resolve(ctx.repoRoot, '..', 'shared', 'spec-tests');
  return existsSync(d) && statSync(d).isDirectory() ? d : undefined;
}

const stem = (f: string): string => basename(f).replace(/\.wast$/, '');

export function createWasmSpecSuite(): Suite {
  return {
    name: 'wasm-spec',
    description: 'Official WebAssembly spec scripts on every wasm engine (raw advisory; dc, dc-float and the interpreter LC)',
    async list(ctx): Promise<CaseSpec[]> {
      const dir = specDir(ctx);
      if (!dir) return [];
      const out: CaseSpec[] = [];
      for (const f of wastFiles(dir)) {
        for (const engine of Object.keys(ENGINES)) {
          out.push({ id: `wasm-spec/${stem(f)}::${engine}`, suite: 'wasm-spec', class: engine === 'raw' ? 'advisory' : 'lc', tags: ['wasm', 'spec', `engine:${engine}`] });
        }
      }
      return out;
    },
    async run(spec, ctx): Promise<CaseOutcome> {
      const m = /^wasm-spec\/(.+)::([a-z0-9-]+)$/.exec(spec.id);
      const dir = specDir(ctx);
      if (!m || !dir) throw new IcnError('CASE_UNKNOWN', `no wasm-spec case ${spec.id}`);
      const file = join(dir, `${m[1]}.wast`);
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
